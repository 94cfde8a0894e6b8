import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WebSocket, WebSocketServer } from 'ws';

import { jsonResponse } from '../../handlers/new-handler.ts';
import { createLogger, flushLogs } from '../../observability/logger.ts';
import type { RouteRecord } from '../../routing/route.ts';
import { createFakeFlagResolver } from '../../testing/fake-flag-resolver.ts';
import type { Proxy, Upstream } from '../proxy-test-harness.ts';
import { jsonLinesInto, request, startProxy, startUpstream } from '../proxy-test-harness.ts';

const HANDSHAKE = {
  connection: 'Upgrade',
  upgrade: 'websocket',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
};

describe('WebSocket handshakes and routes', () => {
  let upstream: Upstream;
  let proxy: Proxy;
  const wss = new WebSocketServer({ noServer: true });
  const legacySaw: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const flags = createFakeFlagResolver({ 'strangler.things': 'new' });
  const things: RouteRecord = {
    id: 'things',
    methods: ['GET'],
    path: '/api/things/{id}',
    flag: 'strangler.things',
    stickiness: { kind: 'header', name: 'X-Tenant-Id' },
    handler: async (req) => jsonResponse(200, { id: req.params.id, side: 'new' }),
  };
  const legacyThings: RouteRecord = {
    ...things,
    id: 'legacy-things',
    path: '/api/legacy-things/{id}',
    flag: 'strangler.legacy-things',
  };

  beforeAll(async () => {
    upstream = await startUpstream(
      (req, res) => {
        legacySaw.push(`${req.url} upgrade=${req.headers.upgrade ?? '-'}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"side":"legacy"}');
      },
      (req, socket, head) => {
        legacySaw.push(`${req.url} tunnelled`);
        wss.handleUpgrade(req, socket, head, (ws) => ws.send('hello from legacy'));
      },
    );
    proxy = await startProxy({
      legacyUrl: upstream.url,
      routes: [things, legacyThings],
      flags,
      logger: createLogger('info', jsonLinesInto(lines)),
    });
  });
  afterAll(async () => {
    wss.close();
    await proxy.close();
    await upstream.close();
  });

  it("serves a handshake on a route in new mode with the route's handler, as a plain request, and logs it", async () => {
    const response = await request(proxy.url, { path: '/api/things/7', headers: HANDSHAKE });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString())).toEqual({ id: '7', side: 'new' });
    expect(legacySaw.filter((seen) => seen.startsWith('/api/things'))).toEqual([]);
    flushLogs();
    const logged = lines.find((line) => String(line.message).startsWith('WebSocket handshake on a route'));
    expect(logged).toMatchObject({ route: 'things' });
  });

  it('forwards a handshake on a route in legacy mode as a plain request, without its Upgrade', async () => {
    const response = await request(proxy.url, { path: '/api/legacy-things/7', headers: HANDSHAKE });
    expect(response.status).toBe(200);
    expect(legacySaw).toContain('/api/legacy-things/7 upgrade=-');
  });

  it('tunnels a handshake no route claims to legacy', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/socket`);
    const message = await new Promise<string>((resolve, reject) => {
      ws.on('message', (data) => resolve(String(data)));
      ws.on('error', reject);
    });
    ws.close();
    expect(message).toBe('hello from legacy');
    expect(legacySaw).toContain('/socket tunnelled');
  });
});
