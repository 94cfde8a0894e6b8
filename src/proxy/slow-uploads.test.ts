import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';

import { jsonResponse } from '../handlers/new-handler.ts';
import type { RouteRecord } from '../routing/route.ts';
import { createFakeFlagResolver } from '../testing/fake-flag-resolver.ts';
import { LEGACY_ENGINES } from './legacy-forwarder.ts';
import type { Proxy, Upstream } from './proxy-test-harness.ts';
import { metricValue, onWholeBody, request, startProxy, startUpstream } from './proxy-test-harness.ts';
import type { BodySettings } from './upload-gate.ts';

/*
 * Slow uploads and the body budget over real sockets: a real node:http legacy behind a pool of 4
 * connections, and clients on 127.0.0.1 (well-behaved) and 127.0.0.2 (slow) so the per-address cap
 * tells them apart. Limits are small so each case takes about a second.
 */

const POOL = 4;

interface SlowUpload {
  /** What came back before the proxy (or the client, after `stopAfterMs`) closed the connection. */
  readonly answer: Promise<{ readonly text: string; readonly afterMs: number }>;
  stop(): void;
}

/** A POST whose body arrives one byte every `everyMs` after `burst` bytes at once, for at most `stopAfterMs`. */
function slowUpload(
  proxy: Proxy,
  options: { length: number; everyMs: number; stopAfterMs: number; burst?: number; path?: string },
): SlowUpload {
  const started = Date.now();
  const socket = net.connect({ port: proxy.port, host: '127.0.0.1', localAddress: '127.0.0.2' });
  let timer: NodeJS.Timeout | undefined;
  socket.on('connect', () => {
    socket.write(
      `POST ${options.path ?? '/api/upload'} HTTP/1.1\r\nHost: api.example\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${options.length}\r\n\r\n` +
        ' '.repeat(options.burst ?? 0),
    );
    timer = setInterval(() => socket.write(' '), options.everyMs);
  });
  const stop = (): void => {
    clearInterval(timer);
    socket.destroy();
  };
  const deadline = setTimeout(stop, options.stopAfterMs);
  const answer = new Promise<{ text: string; afterMs: number }>((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(deadline);
      resolve({ text, afterMs: Date.now() - started });
    });
  });
  return { answer, stop };
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

const LIMITS: Partial<BodySettings> = {
  minBytesPerSecond: 240,
  rateGraceMs: 500,
  idleTimeoutMs: 400,
  perAddress: 50,
  bufferBytes: 1024,
};

describe.each(LEGACY_ENGINES)('slow uploads to a legacy with a small pool (%s engine)', (engine) => {
  let legacy: Upstream;
  let proxy: Proxy | undefined;
  const legacySaw: { url: string; bytes: number; aborted: boolean }[] = [];

  beforeAll(async () => {
    // Reads the whole body, then answers: a slow body held here holds a pooled connection.
    legacy = await startUpstream((req, res) => {
      const seen = { url: req.url ?? '', bytes: 0, aborted: false };
      legacySaw.push(seen);
      req.on('data', (chunk: Buffer) => (seen.bytes += chunk.length));
      req.on('close', () => (seen.aborted = !req.complete));
      onWholeBody(req, (body) =>
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`got ${body.length}`),
      );
    });
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });
  afterAll(async () => {
    await legacy.close();
  });

  const start = async (bodies: Partial<BodySettings>): Promise<Proxy> => {
    proxy = await startProxy({
      legacyUrl: legacy.url,
      engine,
      legacyTimeoutMs: 3000,
      extra: { legacyConnections: POOL, bodies: { ...LIMITS, ...bodies } },
    });
    return proxy;
  };

  it('serves a well-behaved client at once while slow uploaders outnumber the pool', async () => {
    const running = await start({ rateGraceMs: 5000, idleTimeoutMs: 5000 });
    const uploads = Array.from({ length: POOL * 2 }, () =>
      slowUpload(running, { length: 100, everyMs: 200, stopAfterMs: 4000 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    const [read, write] = await Promise.all([
      request(running.url, { path: '/api/other' }),
      request(running.url, { method: 'POST', path: '/api/other', body: '{"name":"x"}' }),
    ]);
    const tookMs = Date.now() - started;
    for (const upload of uploads) upload.stop();
    await Promise.all(uploads.map((upload) => upload.answer));
    expect([read.status, write.status, write.body.toString()]).toEqual([200, 200, 'got 12']);
    // Without the gate it waits for a pooled connection until the uploaders give up (~3.7 s).
    expect(tookMs).toBeLessThan(1500);
  });

  it("cuts a body arriving under the minimum rate after the grace period with Kestrel's empty 408, before legacy sees it", async () => {
    const running = await start({ idleTimeoutMs: 0 });
    const before = legacySaw.length;
    const { text, afterMs } = await slowUpload(running, { length: 200, everyMs: 100, stopAfterMs: 3000 })
      .answer;
    expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(text.toLowerCase()).toContain('\r\ncontent-length: 0\r\n');
    expect(text.toLowerCase()).toContain('\r\nconnection: close\r\n');
    expect(afterMs).toBeGreaterThanOrEqual(500);
    expect(afterMs).toBeLessThan(2500);
    expect(legacySaw.length).toBe(before);
    expect(
      await metricValue(running.metrics, 'strangler_request_bodies_refused_total', { reason: 'too_slow' }),
    ).toBe(1);
  });

  it('cuts a body that goes quiet while it streams to legacy, and cancels the request legacy was reading', async () => {
    const running = await start({ minBytesPerSecond: 0 });
    const before = legacySaw.length;
    const upload = slowUpload(running, { length: 5000, burst: 2000, everyMs: 60_000, stopAfterMs: 3000 });
    const { text, afterMs } = await upload.answer;
    expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(afterMs).toBeLessThan(2500);
    // Well before legacy's own timeout (3 s) would have ended it.
    await waitUntil(() => legacySaw.length === before + 1 && legacySaw[before]?.aborted === true, 1500);
    expect(legacySaw[before]?.bytes).toBe(2000);
  });

  it('refuses a body from an address that already has as many uploads in flight as allowed, with 429', async () => {
    const running = await start({ perAddress: 2, rateGraceMs: 5000, idleTimeoutMs: 5000 });
    const uploads = [1, 2].map(() => slowUpload(running, { length: 100, everyMs: 100, stopAfterMs: 3000 }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const third = await slowUpload(running, { length: 2, everyMs: 10, stopAfterMs: 2000 }).answer;
    // Another address, and requests without a body, are not held back.
    const other = await request(running.url, { method: 'POST', path: '/api/other', body: 'x' });
    const bodyless = await request(running.url, { path: '/api/other', localAddress: '127.0.0.2' });
    for (const upload of uploads) upload.stop();
    await Promise.all(uploads.map((upload) => upload.answer));
    expect(third.text).toMatch(/^HTTP\/1\.1 429 Too Many Requests\r\n/);
    expect(third.text.toLowerCase()).toContain('\r\nretry-after: 5\r\n');
    expect(third.text).toContain('"status":429');
    expect([other.status, bodyless.status]).toEqual([200, 200]);
    // Their slots are free again once they are gone.
    const after = await request(running.url, {
      method: 'POST',
      path: '/api/other',
      body: 'y',
      localAddress: '127.0.0.2',
    });
    expect(after.status).toBe(200);
  });
});

describe('the in-flight body budget', () => {
  let legacy: Upstream;
  let proxy: Proxy;
  const BUDGET = 100_000;

  beforeAll(async () => {
    legacy = await startUpstream((req, res) => onWholeBody(req, (body) => res.end(`got ${body.length}`)));
    const routes: RouteRecord[] = [
      {
        id: 'uploads',
        methods: ['POST'],
        path: '/api/uploads',
        flag: 'strangler.uploads',
        handler: async (req) => jsonResponse(201, { bytes: req.body.length }),
        stickiness: { kind: 'header', name: 'X-Tenant-Id' },
      },
    ];
    proxy = await startProxy({
      legacyUrl: legacy.url,
      routes,
      flags: createFakeFlagResolver({ 'strangler.uploads': 'new' }),
      extra: {
        maxHandlerBodyBytes: 60_000,
        bodies: {
          ...LIMITS,
          bufferBytes: 30_000,
          budgetBytes: BUDGET,
          rateGraceMs: 5000,
          idleTimeoutMs: 5000,
        },
      },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await legacy.close();
  });

  it.each([
    ['a new handler', '/api/uploads', 40_000],
    ['legacy', '/api/other', 25_000],
  ])(
    'answers 503 with Retry-After once bodies held for %s fill the budget, and holds no more than it',
    async (_side, path, length) => {
      let most = 0;
      const sampler = setInterval(() => (most = Math.max(most, proxy.publicServer.bodyBudget.held)), 5);
      // Each sends half its body at once and holds the rest back, so their bytes stay in flight.
      const held = [1, 2, 3, 4, 5].map(() =>
        slowUpload(proxy, { path, length, burst: length / 2, everyMs: 60_000, stopAfterMs: 800 }),
      );
      const answers = await Promise.all(held.map((upload) => upload.answer));
      clearInterval(sampler);
      const refused = answers.filter(({ text }) => text.startsWith('HTTP/1.1 503 '));
      expect(refused.length).toBeGreaterThanOrEqual(5 - Math.floor(BUDGET / length));
      expect(refused[0]?.text.toLowerCase()).toContain('\r\nretry-after: 5\r\n');
      expect(refused[0]?.text).toContain('application/problem+json');
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(BUDGET);
      await waitUntil(() => proxy.publicServer.bodyBudget.held === 0);
      // With the budget free again, a body goes through.
      const after = await request(proxy.url, { method: 'POST', path, body: 'x'.repeat(length) });
      expect(after.status).toBeLessThan(300);
    },
  );
});
