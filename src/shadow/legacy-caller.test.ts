import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { onWholeBody, startUpstream } from '../proxy/proxy-test-harness.ts';
import type { Upstream } from '../proxy/proxy-test-harness.ts';
import type { CapturedRequest } from './captured-exchange.ts';
import { createLegacyCaller } from './legacy-caller.ts';
import type { LegacyCaller } from './legacy-caller.ts';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

function captured(overrides: Partial<CapturedRequest> = {}): CapturedRequest {
  return {
    method: 'GET',
    path: '/api/athletes/a%2Fb',
    query: 'page=1&page=2&empty=',
    headers: {},
    body: Buffer.alloc(0),
    requestId: 'r-1',
    ...overrides,
  };
}

describe('legacy caller (shadow side), against a real HTTP server', () => {
  let legacy: Upstream;
  let caller: LegacyCaller;
  const seen: Seen[] = [];
  const hanging: ServerResponse[] = [];

  beforeAll(async () => {
    legacy = await startUpstream((req, res) => {
      onWholeBody(req, (body) => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: body.toString(),
        });
        if (req.url?.startsWith('/hang') === true) {
          hanging.push(res);
          return;
        }
        if (req.url?.startsWith('/large') === true) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(`"${'x'.repeat(10_000)}"`);
          return;
        }
        res.writeHead(201, { 'Content-Type': 'application/json; charset=utf-8', 'X-Trace': ['a', 'b'] });
        res.end('{"Id":"7"}');
      });
    });
    caller = createLegacyCaller({ legacyUrl: legacy.url });
  });

  afterAll(async () => {
    for (const res of hanging) res.destroy();
    await caller.close();
    await legacy.close();
  });

  it('sends the captured request byte for byte, without hop-by-hop fields, and returns the whole response', async () => {
    const response = await caller.call(
      captured({
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'proxy-authorization': 'Basic c2VjcmV0',
          te: 'trailers',
          'x-request-id': 'r-1',
        },
        body: Buffer.from('{"Name":"Ada"}'),
      }),
      { signal: new AbortController().signal, limitBytes: 1024 },
    );
    expect(response).toEqual({
      status: 201,
      headers: expect.objectContaining({
        'content-type': 'application/json; charset=utf-8',
        // A repeated field stays a list, as undici parses it.
        'x-trace': ['a', 'b'],
      }) as unknown,
      body: Buffer.from('{"Id":"7"}'),
      truncated: false,
    });
    const request = seen.at(-1);
    expect(request).toMatchObject({
      method: 'POST',
      url: '/api/athletes/a%2Fb?page=1&page=2&empty=',
      body: '{"Name":"Ada"}',
    });
    expect(request?.headers['x-request-id']).toBe('r-1');
    expect(request?.headers['accept-encoding']).toBe('identity');
    expect(request?.headers['proxy-authorization']).toBeUndefined();
    expect(request?.headers.te).toBeUndefined();
  });

  it('adds the X-Forwarded-* and X-Request-Id the serving call to legacy carried', async () => {
    await caller.call(
      captured({
        headers: {
          host: 'api.example.test',
          'x-forwarded-for': '203.0.113.7',
          connection: 'x-private',
          'x-private': 'dropped',
        },
        requestId: 'r-forwarded',
        client: { address: '198.51.100.2', encrypted: true },
      }),
      { signal: new AbortController().signal, limitBytes: 1024 },
    );
    const request = seen.at(-1);
    expect(request?.headers).toMatchObject({
      'x-forwarded-for': '203.0.113.7, 198.51.100.2',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'api.example.test',
      'x-request-id': 'r-forwarded',
    });
    expect(request?.headers['x-private']).toBeUndefined();
  });

  it('stops reading a body over the limit and says it was truncated', async () => {
    const response = await caller.call(captured({ path: '/large', query: '' }), {
      signal: new AbortController().signal,
      limitBytes: 1000,
    });
    expect(response).toMatchObject({ status: 200, truncated: true, body: Buffer.alloc(0) });
  });

  it('gives up at once when its signal is aborted while legacy hangs, with the signal’s reason', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const call = caller.call(captured({ path: '/hang', query: '' }), {
      signal: controller.signal,
      limitBytes: 1024,
    });
    setTimeout(() => controller.abort(new Error('shadow call timed out after 100 ms')), 100);
    await expect(call).rejects.toThrow('shadow call timed out after 100 ms');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('rejects without calling legacy when the signal is already aborted', async () => {
    const before = seen.length;
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    await expect(caller.call(captured(), { signal: controller.signal, limitBytes: 1024 })).rejects.toThrow(
      'shutting down',
    );
    expect(seen.length).toBe(before);
  });

  it('rejects when legacy is unreachable', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const unreachable = createLegacyCaller({ legacyUrl: new URL(`http://127.0.0.1:${port}`) });
    try {
      await expect(
        unreachable.call(captured(), { signal: new AbortController().signal, limitBytes: 1024 }),
      ).rejects.toThrow();
    } finally {
      await unreachable.close();
    }
  });
});
