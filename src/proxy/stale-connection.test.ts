import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Socket } from 'node:net';
import type { Proxy, Upstream } from './proxy-test-harness.ts';
import { metricValue, request, startProxy, startUpstream } from './proxy-test-harness.ts';
import { LEGACY_ENGINES } from './legacy-forwarder.ts';

describe.each(LEGACY_ENGINES)(
  'a pooled connection legacy closed while it was being reused (%s engine)',
  (engine) => {
    let upstream: Upstream;
    let proxy: Proxy;
    const connections = new Set<Socket>();
    const perSocket = new WeakMap<Socket, number>();
    const received: string[] = [];

    beforeAll(async () => {
      // Legacy answers the first request on each connection and resets it when a second arrives:
      // what a legacy server does when its keep-alive timeout fires as the proxy reuses the socket.
      upstream = await startUpstream((req, res) => {
        const socket = req.socket;
        connections.add(socket);
        const count = (perSocket.get(socket) ?? 0) + 1;
        perSocket.set(socket, count);
        if (count > 1) {
          socket.resetAndDestroy();
          return;
        }
        received.push(`${req.method ?? ''} ${req.url ?? ''}`);
        res.end('fresh');
      });
      proxy = await startProxy({ engine, legacyUrl: upstream.url });
    });

    afterAll(async () => {
      await proxy.close();
      await upstream.close();
    });

    it('sends a bodyless GET again on a fresh connection, so the client never sees the race', async () => {
      expect((await request(proxy.url, { path: '/first' })).status).toBe(200);
      const second = await request(proxy.url, { path: '/second?x=1' });
      expect(second.status).toBe(200);
      expect(second.body.toString()).toBe('fresh');
      expect(received).toEqual(['GET /first', 'GET /second?x=1']);
      expect(connections.size).toBe(2);
      expect(
        await metricValue(proxy.metrics, 'strangler_upstream_errors_total', { route: 'catch-all' }),
      ).toBe(0);
    });

    it('never sends a POST twice: the client gets 502', async () => {
      // The pool's next connection has served one request (a GET, retried if it met a stale one):
      // node's agent reuses the latest socket, undici's pool its first client, so the GET lines both up.
      expect((await request(proxy.url, { path: '/warm' })).status).toBe(200);
      const res = await request(proxy.url, { method: 'POST', path: '/orders', body: '{}' });
      expect(res.status).toBe(502);
      expect(received.filter((line) => line.startsWith('POST'))).toEqual([]);
    });
  },
);
