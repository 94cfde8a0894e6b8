import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { jsonResponse } from '../handlers/new-handler.ts';
import { createLogger } from '../observability/logger.ts';
import type { Proxy, Upstream } from './proxy-test-harness.ts';
import { jsonLinesInto, request, startProxy, startUpstream } from './proxy-test-harness.ts';
import { LEGACY_ENGINES } from './legacy-forwarder.ts';

describe.each(LEGACY_ENGINES)('request log and shutdown (%s engine)', (engine) => {
  let upstream: Upstream;
  let proxy: Proxy;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: open\n\n');
        return;
      }
      res.writeHead(201);
      res.end('created');
    });
    const stream = jsonLinesInto(lines);
    proxy = await startProxy({
      engine,
      legacyUrl: upstream.url,
      logger: createLogger('info', stream),
      routes: [
        {
          id: 'user-orders',
          methods: ['GET'],
          path: '/api/users/{email}/orders/{orderId}',
          flag: 'strangler.user-orders',
          handler: async () => jsonResponse(200, {}),
          stickiness: { kind: 'client-address' },
          redactPathParams: ['email'],
        },
      ],
    });
  });

  afterAll(async () => {
    await proxy.close();
    await upstream.close();
  });

  async function lineFor(requestId: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 2000;
    for (;;) {
      const found = lines.filter((line) => line.requestId === requestId && line.message === 'request');
      if (found.length > 0) {
        expect(found).toHaveLength(1);
        return found[0] as Record<string, unknown>;
      }
      if (Date.now() > deadline) throw new Error(`no request line for ${requestId}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('writes one JSON line per request with id, route, mode, target, method, path, status and duration', async () => {
    await request(proxy.url, {
      method: 'POST',
      path: '/orders?secret=1',
      headers: { 'x-request-id': 'log-1' },
      body: 'x',
    });
    const line = await lineFor('log-1');
    expect(line).toMatchObject({
      level: 'info',
      requestId: 'log-1',
      route: 'catch-all',
      mode: 'legacy',
      target: 'legacy',
      method: 'POST',
      path: '/orders',
      status: 201,
    });
    expect(typeof line.durationMs).toBe('number');
    expect(JSON.stringify(line)).not.toContain('secret');
  });

  it('masks the path segments a route declares as personal data, keeping the rest of the path', async () => {
    await request(proxy.url, {
      path: '/api/users/ann%40example.com/orders/42?x=1',
      headers: { 'x-request-id': 'log-pii' },
    });
    const line = await lineFor('log-pii');
    expect(line).toMatchObject({
      route: 'user-orders',
      path: '/api/users/[REDACTED]/orders/42',
      status: 201,
    });
    expect(JSON.stringify(lines)).not.toContain('example.com');
  });

  it('logs a failed legacy call with its cause', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const errors: Record<string, unknown>[] = [];
    const orphan = await startProxy({
      engine,
      legacyUrl: new URL(`http://127.0.0.1:${port}`),
      logger: createLogger('info', jsonLinesInto(errors)),
    });
    try {
      await request(orphan.url, { path: '/x', headers: { 'x-request-id': 'log-502' } });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const failure = errors.find((line) => line.message === 'legacy call failed');
      expect(failure).toMatchObject({
        requestId: 'log-502',
        code: 'ECONNREFUSED',
        status: 502,
        route: 'catch-all',
      });
      expect((failure?.error as Record<string, unknown>).code).toBe('ECONNREFUSED');
    } finally {
      await orphan.close();
    }
  });

  it('closes within the grace period even with an event stream still open', async () => {
    const closing = await startProxy({ engine, legacyUrl: upstream.url });
    const gotFirstEvent = new Promise<void>((resolve) => {
      const req = http.get(
        { host: '127.0.0.1', port: closing.port, path: '/stream', agent: false },
        (res) => {
          res.once('data', () => resolve());
          res.on('error', () => undefined);
        },
      );
      req.on('error', () => undefined);
    });
    await gotFirstEvent;
    const started = Date.now();
    await closing.close();
    // startProxy sets a 500 ms grace period.
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
