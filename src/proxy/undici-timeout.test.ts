import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLogger, createSilentLogger } from '../observability/logger.ts';
import type { Proxy, Upstream } from './proxy-test-harness.ts';
import { jsonLinesInto, metricValue, request, startProxy, startUpstream } from './proxy-test-harness.ts';
import { createUndiciForwarder, PRECISE_TIMEOUT_BELOW_MS } from './undici-forwarder.ts';

/*
 * Legacy timeouts below PRECISE_TIMEOUT_BELOW_MS on the undici engine: undici's own clock ticks
 * about every half second (a 300 ms timeout fires after ~1 s there), so these bounds fail without
 * the forwarder's precise timer.
 */

const TIMEOUT_MS = 300;
/** Lower bound: the timer may not fire early (a little slack for clock granularity). */
const AT_LEAST_MS = 280;
/** Upper bound: well under what undici's half-second clock can do, with room for a busy CI machine. */
const WITHIN_MS = 700;

const LARGE_BYTES = 16 * 1024 * 1024;

/** How legacy's side of one request ended. */
interface LegacyEnd {
  readonly url: string;
  /** Legacy's response was cut off by the proxy before legacy finished it. */
  readonly aborted: boolean;
  readonly atMs: number;
}

describe('undici engine: legacy timeouts below 2 s are precise', () => {
  let upstream: Upstream;
  let proxy: Proxy;
  const ends: LegacyEnd[] = [];
  const sockets: number[] = [];
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    upstream = await startUpstream(legacy);
    const stream = jsonLinesInto(lines);
    proxy = await startProxy({
      engine: 'undici',
      legacyUrl: upstream.url,
      legacyTimeoutMs: TIMEOUT_MS,
      logger: createLogger('warn', stream),
    });
  });

  afterAll(async () => {
    await proxy.close();
    await upstream.close();
  });

  afterEach(() => {
    ends.length = 0;
    lines.length = 0;
  });

  function legacy(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    const path = url.split('?')[0];
    sockets.push(req.socket.remotePort ?? 0);
    const timers: NodeJS.Timeout[] = [];
    const later = (ms: number, action: () => void): void => {
      timers.push(setTimeout(action, ms));
    };
    res.on('close', () => {
      for (const timer of timers) clearTimeout(timer);
      ends.push({ url, aborted: !res.writableFinished, atMs: Date.now() });
    });
    // Read the request body first, as a real server would before it starts working.
    req.resume();
    req.on('end', () => {
      switch (path) {
        case '/slow-headers':
          later(2000, () => res.end('too late'));
          return;
        case '/stalled-body':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"partial":');
          return;
        case '/trickle-then-stall':
          // Five pieces 150 ms apart (600 ms in all, twice the timeout), then silence.
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('0');
          for (let i = 1; i <= 4; i += 1) later(150 * i, () => res.write(String(i)));
          return;
        case '/trickle':
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('0');
          for (let i = 1; i <= 3; i += 1) later(150 * i, () => res.write(String(i)));
          later(600, () => res.end('4'));
          return;
        case '/large':
          // Far more than the sockets between here and the client hold: the proxy has to pause legacy.
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.end(Buffer.alloc(LARGE_BYTES, 'x'));
          return;
        case '/answer': {
          const delay = Number(new URL(url, 'http://x').searchParams.get('after') ?? '0');
          later(delay, () => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ answered: true, path: url }));
          });
          return;
        }
        default:
          res.writeHead(404);
          res.end();
      }
    });
  }

  async function legacyEnd(url: string, withinMs = 2000): Promise<LegacyEnd> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const found = ends.find((end) => end.url === url);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`legacy never finished ${url}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  function failures(): Record<string, unknown>[] {
    return lines.filter((line) => line.message === 'legacy call failed');
  }

  async function timeoutsCounted(): Promise<number> {
    return metricValue(proxy.metrics, 'strangler_upstream_errors_total', {
      route: 'catch-all',
      code: 'LEGACY_TIMEOUT',
    });
  }

  async function errorsCounted(): Promise<number> {
    return metricValue(proxy.metrics, 'strangler_upstream_errors_total', { route: 'catch-all' });
  }

  it.each([
    ['GET', undefined],
    ['POST', '{"order":42}'],
  ])(
    'answers %s with 504 problem+json about 300 ms after legacy went quiet before its headers',
    async (method, body) => {
      const before = await timeoutsCounted();
      const requestId = `slow-headers-${method}`;
      const url = `/slow-headers?method=${method}`;
      const started = Date.now();
      const res = await request(proxy.url, {
        method,
        path: url,
        headers: { 'x-request-id': requestId },
        ...(body === undefined ? {} : { body }),
      });
      const elapsed = Date.now() - started;

      expect(res.status).toBe(504);
      expect(elapsed).toBeGreaterThanOrEqual(AT_LEAST_MS);
      expect(elapsed).toBeLessThan(WITHIN_MS);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.headers['x-request-id']).toBe(requestId);
      expect(JSON.parse(res.body.toString())).toMatchObject({
        status: 504,
        title: 'Gateway Timeout',
        requestId,
      });
      expect(await timeoutsCounted()).toBe(before + 1);
      expect(failures()).toEqual([
        expect.objectContaining({ requestId, code: 'LEGACY_TIMEOUT', status: 504, route: 'catch-all' }),
      ]);

      // Legacy's request is cancelled, not left to run its 2 s.
      const end = await legacyEnd(url);
      expect(end.aborted).toBe(true);
      expect(end.atMs - started).toBeLessThan(WITHIN_MS + 200);
    },
  );

  it('cuts the response off about 300 ms after legacy stalls mid-body', async () => {
    const before = await timeoutsCounted();
    const url = '/stalled-body?case=1';
    const seen = await streamed(url);

    expect(seen.status).toBe(200);
    expect(seen.body).toBe('{"partial":');
    expect(seen.outcome).toBe('broken');
    const quiet = seen.endedAtMs - seen.lastDataAtMs;
    expect(quiet).toBeGreaterThanOrEqual(AT_LEAST_MS - 20);
    expect(quiet).toBeLessThan(WITHIN_MS);
    expect(await timeoutsCounted()).toBe(before + 1);
    expect(failures()).toEqual([expect.objectContaining({ code: 'LEGACY_TIMEOUT', route: 'catch-all' })]);
    expect((await legacyEnd(url)).aborted).toBe(true);
  });

  it('treats the body timeout as idle time: a response slower than the timeout but never quiet as long streams on', async () => {
    const before = await timeoutsCounted();
    const url = '/trickle-then-stall?case=2';
    const seen = await streamed(url);

    // All five pieces arrive although they took twice the timeout; the silence after them does not.
    expect(seen.body).toBe('01234');
    expect(seen.outcome).toBe('broken');
    const quiet = seen.endedAtMs - seen.lastDataAtMs;
    expect(quiet).toBeGreaterThanOrEqual(AT_LEAST_MS - 20);
    expect(quiet).toBeLessThan(WITHIN_MS);
    expect(await timeoutsCounted()).toBe(before + 1);
    expect((await legacyEnd(url)).aborted).toBe(true);
  });

  it('leaves a response that keeps coming in time alone, even when the whole of it takes longer', async () => {
    const before = await errorsCounted();
    const seen = await streamed('/trickle?case=3');
    expect(seen.outcome).toBe('complete');
    expect(seen.body).toBe('01234');
    expect(await errorsCounted()).toBe(before);
  });

  it.each([
    ['100 ms', 100],
    ['250 ms (50 ms inside the timeout)', 250],
  ])('leaves an answer after %s alone, and no timer fires after it', async (_label, after) => {
    const before = await errorsCounted();
    const url = `/answer?after=${after}`;
    const res = await request(proxy.url, { path: url });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ answered: true, path: url });
    const socket = sockets.at(-1);

    // Well past the moment the timeout would have run out had it been left armed.
    await new Promise((resolve) => setTimeout(resolve, 2 * TIMEOUT_MS));
    expect(await errorsCounted()).toBe(before);
    expect(failures()).toEqual([]);
    expect((await legacyEnd(url)).aborted).toBe(false);

    // A stray abort would have torn down the pooled connection; the next request reuses it.
    const next = await request(proxy.url, { path: '/answer?after=0&reuse=1' });
    expect(next.status).toBe(200);
    expect(sockets.at(-1)).toBe(socket);
  });

  it('does not count time the client spends not reading against legacy', async () => {
    const before = await errorsCounted();
    const received = await new Promise<number>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: proxy.port, path: '/large', agent: false }, (res) => {
        let bytes = 0;
        res.pause();
        // Three timeouts' worth of a client not reading while legacy has everything ready to send.
        setTimeout(() => {
          res.on('data', (chunk: Buffer) => (bytes += chunk.length));
          res.resume();
        }, 3 * TIMEOUT_MS);
        res.on('end', () => resolve(bytes));
        res.on('error', reject);
      });
      req.on('error', reject);
    });
    expect(received).toBe(LARGE_BYTES);
    expect(await errorsCounted()).toBe(before);
    expect(failures()).toEqual([]);
  });

  it('cancels legacy when the client goes away, without counting or logging a timeout later', async () => {
    const before = await errorsCounted();
    const url = '/slow-headers?client=leaves';
    await new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: proxy.port, path: url, agent: false });
      req.on('error', () => resolve());
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
    expect((await legacyEnd(url)).aborted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 2 * TIMEOUT_MS));
    expect(await errorsCounted()).toBe(before);
    expect(failures()).toEqual([]);
  });

  /** One request whose response is read piece by piece, noting when data last came and how it ended. */
  function streamed(path: string): Promise<{
    status: number;
    body: string;
    outcome: 'complete' | 'broken';
    lastDataAtMs: number;
    endedAtMs: number;
  }> {
    return new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: proxy.port, path, agent: false }, (res) => {
        let body = '';
        let lastDataAtMs = Date.now();
        let settled = false;
        const settle = (outcome: 'complete' | 'broken'): void => {
          if (settled) return;
          settled = true;
          resolve({ status: res.statusCode ?? 0, body, outcome, lastDataAtMs, endedAtMs: Date.now() });
        };
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
          lastDataAtMs = Date.now();
        });
        res.on('end', () => settle('complete'));
        res.on('aborted', () => settle('broken'));
        res.on('error', () => settle('broken'));
        res.on('close', () => settle(res.complete ? 'complete' : 'broken'));
      });
      req.on('error', reject);
    });
  }
});

describe('undici engine: legacy timeouts of 2 s and more (left to undici’s own timers)', () => {
  let upstream: Upstream;
  let proxy: Proxy;

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => {
      const timer = setTimeout(() => res.end('late'), 6000);
      res.on('close', () => clearTimeout(timer));
    });
    proxy = await startProxy({
      engine: 'undici',
      legacyUrl: upstream.url,
      legacyTimeoutMs: PRECISE_TIMEOUT_BELOW_MS,
    });
  });

  afterAll(async () => {
    await proxy.close();
    await upstream.close();
  });

  it("still answers 504 with the same code, within undici's second of slack", async () => {
    const started = Date.now();
    const res = await request(proxy.url, { path: '/slow', headers: { 'x-request-id': 'coarse-1' } });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body.toString())).toMatchObject({ status: 504, requestId: 'coarse-1' });
    expect(elapsed).toBeGreaterThanOrEqual(PRECISE_TIMEOUT_BELOW_MS - 500);
    expect(elapsed).toBeLessThan(PRECISE_TIMEOUT_BELOW_MS + 1500);
    expect(
      await metricValue(proxy.metrics, 'strangler_upstream_errors_total', {
        route: 'catch-all',
        code: 'LEGACY_TIMEOUT',
      }),
    ).toBe(1);
  });
});

describe('undici engine, a request still waiting for a connection to legacy', () => {
  /**
   * One connection to legacy, held by a response that keeps streaming (never idle) for `holdMs`; a
   * second request queues behind it and must get its 504 at its timeout, not when the connection frees.
   */
  async function queuedBehindBusyConnection(timeoutMs: number, holdMs: number) {
    const ticks = Math.ceil(holdMs / 100);
    const legacy = http.createServer((req, res) => {
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        let sent = 0;
        const tick = setInterval(() => {
          res.write(String(sent % 10));
          sent += 1;
          if (sent === ticks) {
            clearInterval(tick);
            res.end();
          }
        }, 100);
        return;
      }
      res.end('fast');
    });
    await new Promise<void>((resolve) => legacy.listen(0, '127.0.0.1', resolve));
    const legacyUrl = new URL(`http://127.0.0.1:${(legacy.address() as { port: number }).port}`);
    const failures: string[] = [];
    const forwarder = createUndiciForwarder({
      legacyUrl,
      logger: createSilentLogger(),
      defaultTimeoutMs: timeoutMs,
      connections: 1,
      reportFailure: (_error, code, _req, res) => {
        failures.push(code);
        if (res instanceof http.ServerResponse) res.writeHead(504).end();
        else res.destroy();
      },
    });
    const front = http.createServer((req, res) => forwarder.forward(req, res));
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const frontUrl = new URL(`http://127.0.0.1:${(front.address() as { port: number }).port}`);
    try {
      const streaming = request(frontUrl, { path: '/stream' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = performance.now();
      const queued = await request(frontUrl, { path: '/fast' });
      const elapsed = performance.now() - started;
      const streamed = (await streaming).body.toString();
      return { status: queued.status, elapsed, failures, streamed, ticks };
    } finally {
      await forwarder.close();
      await new Promise((resolve) => front.close(resolve));
      await new Promise((resolve) => legacy.close(resolve));
    }
  }

  const digits = (count: number): string => Array.from({ length: count }, (_, i) => String(i % 10)).join('');

  it('times out on the precise timer too (a full pool, or a connect that hangs)', async () => {
    const result = await queuedBehindBusyConnection(TIMEOUT_MS, 1000);
    // Without its own timer the queued request would wait for the connection (~1 s) and get 200.
    expect(result.status).toBe(504);
    expect(result.elapsed).toBeGreaterThanOrEqual(AT_LEAST_MS);
    expect(result.elapsed).toBeLessThan(WITHIN_MS);
    expect(result.failures).toEqual(['LEGACY_TIMEOUT']);
    // The streaming response it waited behind is untouched.
    expect(result.streamed).toBe(digits(result.ticks));
  });

  it('times out on the shared sweep with timeouts of 2 s and up, where undici only starts its clock on the wire', async () => {
    const result = await queuedBehindBusyConnection(
      PRECISE_TIMEOUT_BELOW_MS,
      PRECISE_TIMEOUT_BELOW_MS + 1500,
    );
    expect(result.status).toBe(504);
    expect(result.elapsed).toBeGreaterThanOrEqual(PRECISE_TIMEOUT_BELOW_MS - 5);
    // The sweep runs every 100 ms; the rest is a loaded machine's slack, still well before the connection frees.
    expect(result.elapsed).toBeLessThan(PRECISE_TIMEOUT_BELOW_MS + 1000);
    expect(result.failures).toEqual(['LEGACY_TIMEOUT']);
    expect(result.streamed).toBe(digits(result.ticks));
  });
});
