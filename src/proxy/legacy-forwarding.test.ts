import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { Proxy, Upstream } from './proxy-test-harness.ts';
import { metricValue, onWholeBody, request, startProxy, startUpstream } from './proxy-test-harness.ts';
import { LEGACY_ENGINES } from './legacy-forwarder.ts';

/** What legacy saw, for assertions on the forwarded request. */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  socketPort: number;
}

describe.each(LEGACY_ENGINES)('legacy forwarding (catch-all) (%s engine)', (engine) => {
  let upstream: Upstream;
  let proxy: Proxy;
  const seen: Seen[] = [];
  const aborted: string[] = [];
  const wss = new WebSocketServer({ noServer: true });

  beforeAll(async () => {
    upstream = await startUpstream(
      (req, res) => {
        onWholeBody(req, (body) => {
          seen.push({
            method: req.method ?? '',
            url: req.url ?? '',
            headers: req.headers,
            rawHeaders: req.rawHeaders,
            body,
            socketPort: req.socket.remotePort ?? 0,
          });
          respond(req, res, body);
        });
      },
      (req, socket, head) => {
        wss.handleUpgrade(req, socket, head, (ws) => {
          ws.on('message', (data) => ws.send(`echo:${String(data)}`));
          ws.send(`hello ${String(req.headers['x-request-id'] !== undefined)}`);
        });
      },
    );
    proxy = await startProxy({ engine, legacyUrl: upstream.url });
  });

  afterAll(async () => {
    wss.close();
    await proxy.close();
    await upstream.close();
  });

  function respond(req: IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    switch (path) {
      case '/cookies':
        res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; HttpOnly']);
        res.end('ok');
        return;
      case '/no-content':
        res.writeHead(204, { 'x-kind': 'empty' });
        res.end();
        return;
      case '/not-modified':
        res.writeHead(304, { etag: '"v1"' });
        res.end();
        return;
      case '/hop-by-hop':
        res.writeHead(200, {
          connection: 'x-legacy-private, keep-alive',
          'x-legacy-private': 'secret',
          'keep-alive': 'timeout=99',
          'proxy-authenticate': 'Basic',
          trailer: 'x-checksum',
          'x-end-to-end': 'kept',
        });
        res.end('ok');
        return;
      case '/chunked':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first,');
        setTimeout(() => res.end('second'), 20);
        return;
      case '/events': {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('data: one\n\n');
        // Ends only when the test says so: the first event must arrive long before that.
        const timer = setTimeout(() => res.end('data: two\n\n'), 10_000);
        req.on('close', () => clearTimeout(timer));
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case '/slow': {
        const timer = setTimeout(() => res.end('late'), 3000);
        res.on('close', () => {
          clearTimeout(timer);
          if (!res.writableFinished) aborted.push(req.url ?? '');
        });
        return;
      }
      case '/stall': {
        // Status and the first bytes at once, then silence: the idle timeout, not a deadline.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"partial":');
        res.on('close', () => {
          if (!res.writableFinished) aborted.push(req.url ?? '');
        });
        return;
      }
      case '/hang': {
        res.on('close', () => {
          if (!res.writableFinished) aborted.push(req.url ?? '');
        });
        return;
      }
      default:
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'x-upstream-request-id': String(req.headers['x-request-id']),
        });
        res.end(
          req.method === 'HEAD' ? undefined : JSON.stringify({ method: req.method, body: body.toString() }),
        );
    }
  }

  function last(): Seen {
    const entry = seen.at(-1);
    if (entry === undefined) throw new Error('legacy saw no request');
    return entry;
  }

  it.each(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])(
    'forwards %s with its body',
    async (method) => {
      const res = await request(proxy.url, { method, path: '/api/thing', body: `payload-${method}` });
      expect(res.status).toBe(200);
      expect(last().method).toBe(method);
      expect(last().body.toString()).toBe(`payload-${method}`);
      expect(JSON.parse(res.body.toString())).toEqual({ method, body: `payload-${method}` });
    },
  );

  it('answers HEAD with legacy headers and no body', async () => {
    const res = await request(proxy.url, { method: 'HEAD', path: '/head' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body.length).toBe(0);
  });

  it.each([
    '/a%2Fb/c%20d?x=1&x=2&empty=&flag',
    '/api/search?a=&a=1&q=%26%3D%2B&q=caf%C3%A9',
    '//double//slash/?sort=name,-date',
    '/Mixed/Case/%7Euser;matrix=1?%7E=%7e',
  ])('keeps path and query byte-for-byte: %s', async (path) => {
    await request(proxy.url, { path });
    expect(last().url).toBe(path);
  });

  it('removes hop-by-hop request headers, including those named in Connection', async () => {
    await request(proxy.url, {
      path: '/hop',
      headers: {
        connection: 'keep-alive, x-client-private, X-Forwarded-For',
        'x-client-private': 'secret',
        'keep-alive': 'timeout=5',
        te: 'trailers',
        'proxy-authorization': 'Basic Zm9vOmJhcg==',
        'proxy-connection': 'keep-alive',
        upgrade: 'h2c',
        'x-end-to-end': 'kept',
        'x-forwarded-for': '203.0.113.9',
      },
    });
    const headers = last().headers;
    for (const name of [
      'x-client-private',
      'keep-alive',
      'te',
      'proxy-authorization',
      'proxy-connection',
      'upgrade',
    ]) {
      expect(headers[name]).toBeUndefined();
    }
    // Naming X-Forwarded-For in Connection must not hide the forwarding chain.
    expect(headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(headers['x-end-to-end']).toBe('kept');
    expect(headers.connection ?? 'keep-alive').toBe('keep-alive');
  });

  it('removes hop-by-hop response headers, including those named in Connection', async () => {
    const res = await request(proxy.url, { path: '/hop-by-hop' });
    expect(res.status).toBe(200);
    expect(res.headers['x-legacy-private']).toBeUndefined();
    expect(res.headers['keep-alive']).toBeUndefined();
    expect(res.headers['proxy-authenticate']).toBeUndefined();
    expect(res.headers.trailer).toBeUndefined();
    expect(res.headers['x-end-to-end']).toBe('kept');
    expect(res.body.toString()).toBe('ok');
  });

  it('answers Expect: 100-continue itself and streams the body to legacy without the expectation', async () => {
    const response = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: proxy.port,
          method: 'PUT',
          path: '/expect',
          agent: false,
          headers: { expect: '100-continue', 'content-length': 4 },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.on('continue', () => req.end('body'));
      req.on('error', reject);
    });
    expect(JSON.parse(response)).toEqual({ method: 'PUT', body: 'body' });
    expect(last().headers.expect).toBeUndefined();
  });

  it('appends X-Forwarded-For, -Proto and -Host to the values a previous proxy set', async () => {
    await request(proxy.url, {
      path: '/xf',
      headers: {
        host: 'api.example.com',
        'x-forwarded-for': '198.51.100.7',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'edge.example.com',
      },
    });
    expect(last().headers['x-forwarded-for']).toBe('198.51.100.7, 127.0.0.1');
    expect(last().headers['x-forwarded-proto']).toBe('https, http');
    expect(last().headers['x-forwarded-host']).toBe('edge.example.com, api.example.com');

    await request(proxy.url, { path: '/xf', headers: { host: 'api.example.com' } });
    expect(last().headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(last().headers['x-forwarded-proto']).toBe('http');
    expect(last().headers['x-forwarded-host']).toBe('api.example.com');
  });

  it('rewrites Host to legacy by default and preserves the client Host when configured', async () => {
    await request(proxy.url, { path: '/host', headers: { host: 'api.example.com' } });
    expect(last().headers.host).toBe(upstream.url.host);

    const preserving = await startProxy({ engine, legacyUrl: upstream.url, hostHeader: 'preserve' });
    try {
      await request(preserving.url, { path: '/host', headers: { host: 'api.example.com' } });
      expect(last().headers.host).toBe('api.example.com');
    } finally {
      await preserving.close();
    }
  });

  it('keeps several Set-Cookie headers as separate fields', async () => {
    const res = await request(proxy.url, { path: '/cookies' });
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    const names = res.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
    expect(names.filter((name) => name === 'set-cookie')).toHaveLength(2);
  });

  it('passes 204 and 304 through without a body', async () => {
    const noContent = await request(proxy.url, { path: '/no-content' });
    expect(noContent.status).toBe(204);
    expect(noContent.headers['x-kind']).toBe('empty');
    expect(noContent.body.length).toBe(0);
    const notModified = await request(proxy.url, {
      path: '/not-modified',
      headers: { 'if-none-match': '"v1"' },
    });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.etag).toBe('"v1"');
    expect(notModified.body.length).toBe(0);
  });

  it('streams a chunked response as chunked', async () => {
    const res = await request(proxy.url, { path: '/chunked' });
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.body.toString()).toBe('first,second');
  });

  it('answers an HTTP/1.0 client without chunked framing, ending the body by closing', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(proxy.port, '127.0.0.1', () => {
        socket.write('GET /chunked HTTP/1.0\r\nHost: legacy.example\r\n\r\n');
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    const [head = '', body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head.toLowerCase()).not.toContain('transfer-encoding');
    expect(body).toBe('first,second');
  });

  it('accepts an absolute-form request target: forwarded by its path, its authority as the Host', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(proxy.port, '127.0.0.1', () => {
        socket.write(
          'GET http://api.example.test/api/absolute?q=1&q=2 HTTP/1.1\r\nHost: ignored.example\r\nConnection: close\r\n\r\n',
        );
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
    const forwarded = seen.findLast((entry) => entry.url.startsWith('/api/absolute'));
    expect(forwarded?.url).toBe('/api/absolute?q=1&q=2');
    expect(forwarded?.headers['x-forwarded-host']).toBe('api.example.test');
  });

  it('forwards a request asking to upgrade to something other than WebSocket as an ordinary request', async () => {
    // What curl --http2 sends on plain http; Kestrel ignores the offer and answers over HTTP/1.1.
    const res = await request(proxy.url, {
      path: '/api/h2c',
      headers: {
        connection: 'Upgrade, HTTP2-Settings',
        upgrade: 'h2c',
        'http2-settings': 'AAMAAABkAARAAAAAAAIAAAAA',
      },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ method: 'GET', body: '' });
    const forwarded = seen.findLast((entry) => entry.url === '/api/h2c');
    expect(forwarded?.headers.upgrade).toBeUndefined();
    expect(forwarded?.headers['http2-settings']).toBeUndefined();
  });

  it('forwards a chunked request body', async () => {
    const res = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: proxy.port, method: 'POST', path: '/upload', agent: false },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.write('part1-');
      setTimeout(() => req.end('part2'), 20);
    });
    expect(JSON.parse(res)).toEqual({ method: 'POST', body: 'part1-part2' });
    // Its own request, not merely the last one legacy finished reading: on a loaded machine an
    // earlier test's request can complete at legacy after this one.
    expect(seen.findLast((entry) => entry.url === '/upload')?.headers['transfer-encoding']).toBe('chunked');
  });

  it('delivers server-sent events as they arrive, before legacy ends the stream', async () => {
    const started = Date.now();
    const first = await new Promise<{ text: string; type: string | undefined }>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: proxy.port, path: '/events', agent: false }, (res) => {
        res.once('data', (chunk: Buffer) => {
          resolve({ text: chunk.toString(), type: res.headers['content-type'] });
          req.destroy();
        });
      });
      req.on('error', (error: Error & { code?: string }) => {
        if (error.code !== 'ECONNRESET') reject(error);
      });
    });
    expect(first.type).toBe('text/event-stream');
    expect(first.text).toBe('data: one\n\n');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('proxies a WebSocket upgrade and frames in both directions', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/socket`);
    const messages: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        messages.push(String(data));
        if (messages.length === 1) ws.send('ping');
        if (messages.length === 2) resolve();
      });
      ws.on('error', reject);
    });
    ws.close();
    expect(messages).toEqual(['hello true', 'echo:ping']);
  });

  it('answers a WebSocket handshake with 502 problem+json when legacy is unreachable', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const orphan = await startProxy({ engine, legacyUrl: new URL(`http://127.0.0.1:${port}`) });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${orphan.port}/socket`);
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          res.resume();
        });
        ws.on('open', () => reject(new Error('handshake should fail')));
        ws.on('error', () => undefined);
      });
      expect(status).toBe(502);
    } finally {
      await orphan.close();
    }
  });

  it('keeps a client X-Request-Id, passes it to legacy and returns it', async () => {
    const res = await request(proxy.url, { path: '/rid', headers: { 'x-request-id': 'client-abc-123' } });
    expect(last().headers['x-request-id']).toBe('client-abc-123');
    expect(res.headers['x-request-id']).toBe('client-abc-123');
  });

  it('generates a UUID X-Request-Id when the client sent none (or an unusable one)', async () => {
    const res = await request(proxy.url, { path: '/rid' });
    const id = String(res.headers['x-request-id']);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(last().headers['x-request-id']).toBe(id);
    const spaced = await request(proxy.url, { path: '/rid', headers: { 'x-request-id': 'has space' } });
    expect(spaced.headers['x-request-id']).not.toBe('has space');
  });

  it('passes W3C traceparent and tracestate on unchanged', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await request(proxy.url, { path: '/trace', headers: { traceparent, tracestate: 'congo=t61rcWkgMzE' } });
    expect(last().headers.traceparent).toBe(traceparent);
    expect(last().headers.tracestate).toBe('congo=t61rcWkgMzE');
  });

  it('reuses pooled keep-alive connections to legacy', async () => {
    const before = seen.length;
    for (let i = 0; i < 10; i += 1) await request(proxy.url, { path: `/pool/${i}` });
    const ports = new Set(seen.slice(before).map((entry) => entry.socketPort));
    expect(ports.size).toBe(1);
  });

  it('answers 504 problem+json when legacy is slower than the timeout, and counts it', async () => {
    const quick = await startProxy({ engine, legacyUrl: upstream.url, legacyTimeoutMs: 200 });
    try {
      const started = Date.now();
      const res = await request(quick.url, { path: '/slow', headers: { 'x-request-id': 'slow-1' } });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.status).toBe(504);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(res.body.toString())).toMatchObject({
        status: 504,
        title: 'Gateway Timeout',
        requestId: 'slow-1',
      });
      expect(res.headers['x-request-id']).toBe('slow-1');
      expect(
        await metricValue(quick.metrics, 'strangler_upstream_errors_total', {
          route: 'catch-all',
          code: 'LEGACY_TIMEOUT',
        }),
      ).toBe(1);
      expect(
        await metricValue(quick.metrics, 'strangler_requests_total', {
          route: 'catch-all',
          target: 'legacy',
          mode: 'legacy',
          status: '504',
        }),
      ).toBe(1);
    } finally {
      await quick.close();
    }
  });

  it('cuts the client off when legacy goes quiet mid-response for longer than the timeout', async () => {
    const quick = await startProxy({ engine, legacyUrl: upstream.url, legacyTimeoutMs: 200 });
    try {
      const started = Date.now();
      await expect(request(quick.url, { path: '/stall?run=1' })).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(2000);
      const deadline = Date.now() + 2000;
      while (!aborted.includes('/stall?run=1') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(aborted).toContain('/stall?run=1');
    } finally {
      await quick.close();
    }
  });

  it('answers 502 problem+json when legacy is unreachable, and counts it', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const orphan = await startProxy({ engine, legacyUrl: new URL(`http://127.0.0.1:${port}`) });
    try {
      const res = await request(orphan.url, { path: '/anything' });
      expect(res.status).toBe(502);
      expect(res.headers['content-type']).toBe('application/problem+json');
      const problem = JSON.parse(res.body.toString()) as Record<string, unknown>;
      expect(problem).toMatchObject({
        status: 502,
        title: 'Bad Gateway',
        requestId: res.headers['x-request-id'],
      });
      expect(typeof problem.type).toBe('string');
      expect(typeof problem.detail).toBe('string');
      expect(
        await metricValue(orphan.metrics, 'strangler_upstream_errors_total', {
          route: 'catch-all',
          code: 'ECONNREFUSED',
        }),
      ).toBe(1);
    } finally {
      await orphan.close();
    }
  });

  it('cancels the upstream request when the client goes away', async () => {
    await new Promise<void>((resolve) => {
      const req = http.get({
        host: '127.0.0.1',
        port: proxy.port,
        path: '/hang?client=leaves',
        agent: false,
      });
      req.on('error', () => resolve());
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 150);
    });
    const deadline = Date.now() + 3000;
    while (!aborted.includes('/hang?client=leaves') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(aborted).toContain('/hang?client=leaves');
    expect(await metricValue(proxy.metrics, 'strangler_upstream_errors_total', { route: 'catch-all' })).toBe(
      0,
    );
  });

  it('counts served requests by route, target, mode and status', async () => {
    const before = await metricValue(proxy.metrics, 'strangler_requests_total', {
      route: 'catch-all',
      target: 'legacy',
      mode: 'legacy',
      status: '204',
    });
    await request(proxy.url, { path: '/no-content' });
    expect(
      await metricValue(proxy.metrics, 'strangler_requests_total', {
        route: 'catch-all',
        target: 'legacy',
        mode: 'legacy',
        status: '204',
      }),
    ).toBe(before + 1);
  });
});
