import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';

import { jsonResponse } from '../handlers/new-handler.ts';
import type { RouteRecord } from '../routing/route.ts';
import { createRouteTable } from '../routing/route-table.ts';
import { createFakeFlagResolver } from '../testing/fake-flag-resolver.ts';
import { LEGACY_ENGINES } from './legacy-forwarder.ts';
import type { Proxy, Upstream } from './proxy-test-harness.ts';
import { startProxy, startUpstream } from './proxy-test-harness.ts';

/*
 * Two spellings of one resource never reach two different backends: the public port with the real
 * route table, a route in `new`, and requests written byte for byte on a socket (no client library
 * between the test and the proxy to tidy the path up first).
 */

/** Writes one request and reads until the server closes the connection. */
function raw(url: URL, head: string, body = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () =>
      socket.write(Buffer.from(`${head}\r\nHost: api.example\r\nConnection: close\r\n\r\n${body}`, 'latin1')),
    );
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

describe.each(LEGACY_ENGINES)(
  'one resource, one backend, however its path is spelled (%s engine)',
  (engine) => {
    let upstream: Upstream;
    let proxy: Proxy;
    const legacySaw: string[] = [];
    const newSaw: { method: string; id: string | undefined }[] = [];

    const athlete: RouteRecord = {
      id: 'athletes-item',
      methods: ['GET', 'PUT', 'DELETE'],
      path: '/api/athletes/{id}',
      flag: 'strangler.athletes-item',
      stickiness: { kind: 'header', name: 'X-Tenant-Id' },
      handler: async (req) => {
        newSaw.push({ method: req.method, id: req.params.id });
        return jsonResponse(200, { side: 'new' });
      },
    };

    beforeAll(async () => {
      upstream = await startUpstream((req, res) => {
        legacySaw.push(`${req.method} ${req.url}`);
        req.resume();
        res.writeHead(200, { 'content-length': 6 }).end('legacy');
      });
      proxy = await startProxy({
        engine,
        legacyUrl: upstream.url,
        flags: createFakeFlagResolver({ 'strangler.athletes-item': 'new' }),
        extra: { routes: createRouteTable([athlete]) },
      });
    });
    afterAll(async () => {
      await proxy.close();
      await upstream.close();
    });

    it.each([
      ['/api/athletes/42'],
      ['/api/./athletes/42'],
      ['/api/x/../athletes/42'],
      ['/./api/athletes/42'],
      ['/../api/athletes/42'],
      ['/api/%2e/athletes/42'],
      ['/api/x/%2E%2E/athletes/42'],
      ['/api/x/.%2e/athletes/42'],
      ['/api/athletes/42/x/..'],
      ['/API/Athletes/42'],
      ['/api/%61thletes/42'],
      ['/api/athletes/42/'],
    ])('sends a write to %s to the new handler, never to legacy', async (path) => {
      const before = legacySaw.length;
      newSaw.length = 0;
      const answer = await raw(proxy.url, `PUT ${path}?v=/./x HTTP/1.1\r\nContent-Length: 2`, '{}');
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\{"side":"new"\}$/);
      expect(newSaw).toEqual([{ method: 'PUT', id: '42' }]);
      expect(legacySaw.length).toBe(before);
    });

    it('forwards a path no route claims with its dot segments removed, its query untouched', async () => {
      await raw(proxy.url, 'GET /api/reports/./x/../availability?q=/./%2e%2e HTTP/1.1');
      await raw(proxy.url, 'GET /api//athletes/42/%2e%2E/ HTTP/1.1');
      expect(legacySaw.slice(-2)).toEqual([
        'GET /api/reports/availability?q=/./%2e%2e',
        'GET /api//athletes/',
      ]);
    });

    it.each([
      ['a backslash', 'PUT /api\\athletes\\42'],
      ['a backslash inside a dot segment', 'PUT /api/athletes/42/x\\..'],
      ['an encoded NUL', 'PUT /api/athletes/42%00'],
      ['an encoded NUL after a dot segment', 'PUT /api/./athletes/%00'],
    ])('answers %s with Kestrel’s empty 400, reaching neither side', async (_name, line) => {
      const before = legacySaw.length;
      newSaw.length = 0;
      const answer = await raw(proxy.url, `${line} HTTP/1.1\r\nContent-Length: 2`, '{}');
      expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(answer.toLowerCase()).toContain('\r\ncontent-length: 0\r\n');
      expect(answer.toLowerCase()).toContain('\r\nconnection: close\r\n');
      expect(answer.endsWith('\r\n\r\n')).toBe(true);
      expect(newSaw).toEqual([]);
      expect(legacySaw.length).toBe(before);
    });
  },
);
