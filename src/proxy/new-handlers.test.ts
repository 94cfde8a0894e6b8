import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import { jsonResponse } from '../handlers/new-handler.ts';
import type { HandlerRequest, NewHandler } from '../handlers/new-handler.ts';
import type { RouteRecord } from '../routing/route.ts';
import { createFakeFlagResolver } from '../testing/fake-flag-resolver.ts';
import type { ObservedExchange } from './exchange-observer.ts';
import type { Proxy, Upstream } from './proxy-test-harness.ts';
import { metricValue, onWholeBody, request, startProxy, startUpstream } from './proxy-test-harness.ts';
import { LEGACY_ENGINES } from './legacy-forwarder.ts';

function route(id: string, path: string, handler: NewHandler, extra: Partial<RouteRecord> = {}): RouteRecord {
  return {
    id,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    path,
    flag: `strangler.${id}`,
    handler,
    stickiness: { kind: 'header', name: 'X-Tenant-Id' },
    ...extra,
  };
}

function waitUntil(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (condition()) resolve();
      else if (Date.now() > deadline) reject(new Error('condition not met in time'));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

describe.each(LEGACY_ENGINES)('matched routes and new handlers (%s engine)', (engine) => {
  let upstream: Upstream;
  let proxy: Proxy;
  const legacySaw: { method: string; url: string; body: string; requestId: string }[] = [];
  const flags = createFakeFlagResolver();
  const observed: ObservedExchange[] = [];
  let clock = 0;
  let breakerHandlerFails = true;
  let breakerCalls = 0;
  let abortedReason: unknown;

  const routes: RouteRecord[] = [
    route('widgets', '/api/widgets/{id}', async (req: HandlerRequest) =>
      jsonResponse(
        200,
        {
          id: req.params.id,
          q: req.query.getAll('q'),
          tenant: req.headers['x-tenant-id'],
          body: req.body.toString(),
          requestId: req.requestId,
        },
        { 'set-cookie': ['s=1; Path=/', 't=2; Secure'] },
      ),
    ),
    route('failing', '/api/failing', async () => {
      throw new Error('database unavailable');
    }),
    route(
      'slow-handler',
      '/api/slow-handler',
      (req) =>
        new Promise((_resolve, reject) => {
          req.signal.addEventListener('abort', () => reject(req.signal.reason));
        }),
      { handlerTimeoutMs: 100 },
    ),
    route(
      'waits-for-client',
      '/api/waits',
      (req) =>
        new Promise((_resolve, reject) => {
          req.signal.addEventListener('abort', () => {
            abortedReason = req.signal.reason;
            reject(req.signal.reason);
          });
        }),
      { handlerTimeoutMs: 10_000 },
    ),
    route('echo', '/api/echo', async (req) => jsonResponse(201, { bytes: req.body.length })),
    route('breaker', '/api/breaker', async () => {
      breakerCalls += 1;
      if (breakerHandlerFails) throw new Error('still broken');
      return jsonResponse(200, { side: 'new' });
    }),
    route(
      'lenient',
      '/api/lenient',
      async () => {
        throw new Error('still broken');
      },
      { unsafeFallbackToLegacy: true },
    ),
    route('quick-legacy', '/api/quick-legacy', async () => jsonResponse(200, {}), { legacyTimeoutMs: 100 }),
    route('observed', '/api/observed', async (req) => jsonResponse(200, { echoed: req.body.toString() })),
    route('bad-header', '/api/bad-header', async () => ({
      status: 200,
      headers: { 'bad header\n': 'x' },
      body: 'x',
    })),
    route('bad-value', '/api/bad-value', async () => ({
      status: 200,
      // Beyond Latin-1: node refuses it in writeHead.
      headers: { 'content-disposition': 'attachment; filename="Łódź.pdf"' },
      body: 'x',
    })),
  ];

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      onWholeBody(req, (body) => {
        legacySaw.push({
          method: req.method ?? '',
          url: req.url ?? '',
          body: body.toString(),
          requestId: String(req.headers['x-request-id']),
        });
        if (req.url?.startsWith('/api/quick-legacy') === true) {
          const timer = setTimeout(() => res.end('late'), 2000);
          res.on('close', () => clearTimeout(timer));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ side: 'legacy', bytes: body.length }));
      });
    });
    proxy = await startProxy({
      engine,
      legacyUrl: upstream.url,
      routes,
      flags,
      extra: {
        now: () => clock,
        circuitBreaker: { failureThreshold: 2, openMs: 1000 },
        maxHandlerBodyBytes: 1024,
        observer: {
          captureLimit: (match) => (match.route.id === 'observed' ? 64 : undefined),
          onExchange: (exchange) => observed.push(exchange),
        },
      },
    });
  });

  afterAll(async () => {
    await proxy.close();
    await upstream.close();
  });

  const legacyCount = (): number => legacySaw.length;

  it('serves a route in new mode from its handler with params, query, headers and request id', async () => {
    flags.set('strangler.widgets', 'new');
    const before = legacyCount();
    const res = await request(proxy.url, {
      path: '/api/widgets/w%201?q=a&q=b',
      headers: { 'x-tenant-id': 'tenant-7', 'x-request-id': 'rid-new-1' },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({
      id: 'w 1',
      q: ['a', 'b'],
      tenant: 'tenant-7',
      body: '',
      requestId: 'rid-new-1',
    });
    expect(res.headers['x-request-id']).toBe('rid-new-1');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['set-cookie']).toEqual(['s=1; Path=/', 't=2; Secure']);
    expect(legacyCount()).toBe(before);
    expect(
      await metricValue(proxy.metrics, 'strangler_requests_total', {
        route: 'widgets',
        target: 'new',
        mode: 'new',
        status: '200',
      }),
    ).toBe(1);
  });

  it('routes an absolute-form request target by its path, like its origin form', async () => {
    flags.set('strangler.widgets', 'new');
    const before = legacyCount();
    const res = await request(proxy.url, { path: 'http://api.example.test/api/widgets/w2?q=c' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toMatchObject({ id: 'w2', q: ['c'] });
    expect(legacyCount()).toBe(before);
  });

  it('passes the stickiness id from the route key to the flag resolver', async () => {
    await request(proxy.url, { path: '/api/widgets/1', headers: { 'x-tenant-id': 'tenant-42' } });
    expect(flags.contexts.at(-1)?.stickinessId).toBe('tenant-42');
  });

  it('serves a canary per caller as the flag decides, counted under mode canary', async () => {
    flags.set('strangler.widgets', (context) =>
      context.stickinessId === 'tenant-in'
        ? { mode: 'canary', serve: 'new' }
        : { mode: 'canary', serve: 'legacy' },
    );
    for (let i = 0; i < 3; i += 1) {
      const inside = await request(proxy.url, {
        path: '/api/widgets/c',
        headers: { 'x-tenant-id': 'tenant-in' },
      });
      expect(JSON.parse(inside.body.toString())).toMatchObject({ id: 'c', tenant: 'tenant-in' });
      const outside = await request(proxy.url, {
        path: '/api/widgets/c',
        headers: { 'x-tenant-id': 'tenant-out' },
      });
      expect(JSON.parse(outside.body.toString())).toMatchObject({ side: 'legacy' });
    }
    const labels = { route: 'widgets', mode: 'canary', status: '200' };
    expect(await metricValue(proxy.metrics, 'strangler_requests_total', { ...labels, target: 'new' })).toBe(
      3,
    );
    expect(
      await metricValue(proxy.metrics, 'strangler_requests_total', { ...labels, target: 'legacy' }),
    ).toBe(3);
  });

  it('serves a route in legacy mode from legacy', async () => {
    flags.set('strangler.widgets', 'legacy');
    const res = await request(proxy.url, { path: '/api/widgets/2' });
    expect(JSON.parse(res.body.toString())).toMatchObject({ side: 'legacy' });
    expect(legacySaw.at(-1)?.url).toBe('/api/widgets/2');
  });

  it('serves legacy when the kill switch is on, whatever the route flag says', async () => {
    flags.set('strangler.widgets', 'new');
    flags.setKillSwitch(true);
    try {
      const res = await request(proxy.url, { path: '/api/widgets/3' });
      expect(JSON.parse(res.body.toString())).toMatchObject({ side: 'legacy' });
    } finally {
      flags.setKillSwitch(false);
    }
  });

  it('serves legacy when the flag resolver throws', async () => {
    flags.set('strangler.widgets', 'new');
    flags.breakWith(new Error('flag store exploded'));
    try {
      const res = await request(proxy.url, { path: '/api/widgets/4' });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString())).toMatchObject({ side: 'legacy' });
    } finally {
      flags.breakWith(undefined);
    }
  });

  it('falls back to legacy when the handler throws on a safe method, and counts the fallback', async () => {
    flags.set('strangler.failing', 'new');
    const res = await request(proxy.url, { path: '/api/failing?x=1', headers: { 'x-request-id': 'rid-fb' } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toMatchObject({ side: 'legacy' });
    expect(legacySaw.at(-1)).toMatchObject({ method: 'GET', url: '/api/failing?x=1', requestId: 'rid-fb' });
    expect(await metricValue(proxy.metrics, 'strangler_fallbacks_total', { route: 'failing' })).toBe(1);
  });

  it('falls back to legacy when the handler is slower than its timeout on a safe method', async () => {
    flags.set('strangler.slow-handler', 'new');
    const started = Date.now();
    const res = await request(proxy.url, { path: '/api/slow-handler' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(JSON.parse(res.body.toString())).toMatchObject({ side: 'legacy' });
    expect(await metricValue(proxy.metrics, 'strangler_fallbacks_total', { route: 'slow-handler' })).toBe(1);
  });

  it('never sends an unsafe request to legacy after the handler failed: 500 problem+json instead', async () => {
    flags.set('strangler.failing', 'new');
    const before = legacyCount();
    const res = await request(proxy.url, {
      method: 'POST',
      path: '/api/failing',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json', 'x-request-id': 'rid-post' },
    });
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body.toString())).toMatchObject({ status: 500, requestId: 'rid-post' });
    expect(legacyCount()).toBe(before);
  });

  it('gives the handler the request body', async () => {
    flags.set('strangler.echo', 'new');
    const res = await request(proxy.url, { method: 'POST', path: '/api/echo', body: 'x'.repeat(1000) });
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body.toString())).toEqual({ bytes: 1000 });
  });

  it('answers 413 to an unsafe request whose body is over the handler cap', async () => {
    flags.set('strangler.echo', 'new');
    const before = legacyCount();
    const res = await request(proxy.url, { method: 'POST', path: '/api/echo', body: 'x'.repeat(5000) });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(legacyCount()).toBe(before);
  });

  it('sends a safe request whose chunked body is over the cap to legacy with the whole body', async () => {
    flags.set('strangler.echo', 'new');
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: proxy.port, method: 'GET', path: '/api/echo', agent: false },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.setHeader('transfer-encoding', 'chunked');
      req.write('a'.repeat(800));
      setTimeout(() => req.end('b'.repeat(800)), 20);
    });
    expect(JSON.parse(body)).toEqual({ side: 'legacy', bytes: 1600 });
    expect(legacySaw.at(-1)?.body).toBe('a'.repeat(800) + 'b'.repeat(800));
  });

  it('aborts the handler signal when the client goes away', async () => {
    flags.set('strangler.waits-for-client', 'new');
    abortedReason = undefined;
    const req = http.get({ host: '127.0.0.1', port: proxy.port, path: '/api/waits', agent: false });
    req.on('error', () => undefined);
    setTimeout(() => req.destroy(), 100);
    await waitUntil(() => abortedReason !== undefined);
    expect(String(abortedReason)).toMatch(/client closed/);
  });

  it('opens the circuit after repeated failures, then closes it once the handler recovers', async () => {
    flags.set('strangler.breaker', 'new');
    breakerHandlerFails = true;
    for (let i = 0; i < 2; i += 1) {
      const res = await request(proxy.url, { path: '/api/breaker' });
      expect(JSON.parse(res.body.toString())).toMatchObject({ side: 'legacy' });
    }
    expect(breakerCalls).toBe(2);
    expect(await metricValue(proxy.metrics, 'strangler_circuit_open', { route: 'breaker' })).toBe(1);

    // Open: legacy serves a safe method without the handler being tried; an unsafe one is refused with
    // 503 until the probe, because legacy taking a write for data the new side owns would race the sync.
    const legacyCalls = legacySaw.length;
    const openGet = await request(proxy.url, { path: '/api/breaker' });
    expect(JSON.parse(openGet.body.toString())).toMatchObject({ side: 'legacy' });
    clock += 400;
    const open = await request(proxy.url, { method: 'POST', path: '/api/breaker', body: '{}' });
    expect(open.status).toBe(503);
    expect(open.headers['content-type']).toBe('application/problem+json');
    expect(open.headers['retry-after']).toBe('1');
    expect(JSON.parse(open.body.toString())).toMatchObject({ status: 503, title: 'Service Unavailable' });
    expect(legacySaw.length).toBe(legacyCalls + 1);
    expect(breakerCalls).toBe(2);
    clock -= 400;

    // After the open interval one probe goes to the handler; it still fails, so the circuit reopens.
    clock += 1000;
    await request(proxy.url, { path: '/api/breaker' });
    expect(breakerCalls).toBe(3);
    await request(proxy.url, { path: '/api/breaker' });
    expect(breakerCalls).toBe(3);

    // The handler recovers: the next probe succeeds and the route is served by it again.
    breakerHandlerFails = false;
    clock += 1000;
    const probe = await request(proxy.url, { path: '/api/breaker' });
    expect(JSON.parse(probe.body.toString())).toEqual({ side: 'new' });
    const after = await request(proxy.url, { path: '/api/breaker' });
    expect(JSON.parse(after.body.toString())).toEqual({ side: 'new' });
    expect(breakerCalls).toBe(5);
    expect(await metricValue(proxy.metrics, 'strangler_circuit_open', { route: 'breaker' })).toBe(0);
  });

  it('sends an unsafe method to legacy while the circuit is open only on a route that opts in', async () => {
    flags.set('strangler.lenient', 'new');
    // A failure that may have written stays a 500 even there: legacy must not apply it a second time.
    for (let i = 0; i < 2; i += 1) {
      const failed = await request(proxy.url, { method: 'POST', path: '/api/lenient', body: '{}' });
      expect(failed.status).toBe(500);
    }
    const open = await request(proxy.url, { method: 'POST', path: '/api/lenient', body: '{"n":1}' });
    expect(JSON.parse(open.body.toString())).toMatchObject({ side: 'legacy' });
    expect(legacySaw.at(-1)).toMatchObject({ method: 'POST', url: '/api/lenient', body: '{"n":1}' });
  });

  it('uses the route legacy timeout over the global one', async () => {
    flags.set('strangler.quick-legacy', 'legacy');
    const started = Date.now();
    const res = await request(proxy.url, { path: '/api/quick-legacy' });
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(
      await metricValue(proxy.metrics, 'strangler_upstream_errors_total', {
        route: 'quick-legacy',
        code: 'LEGACY_TIMEOUT',
      }),
    ).toBe(1);
  });

  it('shows the observer what legacy served, request and response bodies included', async () => {
    flags.set('strangler.observed', 'shadow');
    observed.length = 0;
    const res = await request(proxy.url, {
      method: 'PUT',
      path: '/api/observed?v=1',
      body: 'hello',
      headers: { 'x-request-id': 'rid-obs' },
    });
    await waitUntil(() => observed.length === 1);
    const exchange = observed[0];
    expect(exchange?.served).toBe('legacy');
    expect(exchange?.decision.mode).toBe('shadow');
    expect(exchange?.request).toMatchObject({ method: 'PUT', url: '/api/observed?v=1' });
    expect(exchange?.request.headers['x-request-id']).toBe('rid-obs');
    expect(exchange?.request.body).toEqual({ kind: 'captured', bytes: Buffer.from('hello') });
    expect(exchange?.response.status).toBe(200);
    expect(exchange?.response.complete).toBe(true);
    expect(exchange?.response.body).toEqual({ kind: 'captured', bytes: res.body });
  });

  it('shows the observer what the new handler served, and marks bodies over the cap', async () => {
    flags.set('strangler.observed', 'new');
    observed.length = 0;
    const big = 'z'.repeat(100);
    await request(proxy.url, { method: 'PUT', path: '/api/observed', body: big });
    await waitUntil(() => observed.length === 1);
    expect(observed[0]?.served).toBe('new');
    expect(observed[0]?.request.body).toEqual({ kind: 'over-cap', bytes: 100 });
    expect(observed[0]?.response.body).toEqual({ kind: 'over-cap', bytes: 113 });
  });

  it('treats a handler response node cannot write as a handler failure: legacy serves a safe request', async () => {
    for (const id of ['bad-header', 'bad-value']) {
      flags.set(`strangler.${id}`, 'new');
      const res = await request(proxy.url, { path: `/api/${id}`, headers: { 'x-request-id': `rid-${id}` } });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString())).toMatchObject({ side: 'legacy' });
      expect(await metricValue(proxy.metrics, 'strangler_fallbacks_total', { route: id })).toBe(1);
    }
    // An unsafe one is never sent to legacy after its handler ran: 500 problem+json.
    const before = legacyCount();
    const post = await request(proxy.url, {
      method: 'POST',
      path: '/api/bad-value',
      body: '{}',
      headers: { 'content-type': 'application/json', 'x-request-id': 'rid-bad-post' },
    });
    expect(post.status).toBe(500);
    expect(JSON.parse(post.body.toString())).toMatchObject({ status: 500, requestId: 'rid-bad-post' });
    expect(legacyCount()).toBe(before);
    expect((await request(proxy.url, { path: '/elsewhere' })).status).toBe(200);
  });

  it('never observes unmatched traffic', async () => {
    observed.length = 0;
    await request(proxy.url, { path: '/not/a/route' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(observed).toHaveLength(0);
  });
});
