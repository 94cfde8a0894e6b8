import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonResponse } from '../handlers/new-handler.ts';
import { createLogger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { createRouteTable } from '../routing/route-table.ts';
import type { HttpMethod, RouteRecord } from '../routing/route.ts';
import { createAdminServer } from './admin-server.ts';
import type { AdminServer } from './admin-server.ts';
import { createFakeFlagResolver } from '../testing/fake-flag-resolver.ts';
import { flagsLoadedCheck, legacyReachableCheck } from './readiness.ts';

const tokens = { adminQaToken: 'qa-token-0123456789abcdef', adminOperatorToken: 'op-token-0123456789abcdef' };

function route(id: string, path: string, methods: readonly HttpMethod[]): RouteRecord {
  return {
    id,
    methods,
    path,
    flag: `strangler.${id}`,
    handler: async () => jsonResponse(200, {}),
    stickiness: { kind: 'header', name: 'X-Tenant-Id' },
  };
}

describe('admin server', () => {
  const flags = createFakeFlagResolver();
  const metrics = createMetrics();
  const logLines: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => logLines.push(chunk.toString('utf8')));
  const routes = createRouteTable([
    route('athletes-list', '/api/athletes', ['GET']),
    route('athlete-update', '/api/athletes/{id}', ['PUT', 'PATCH']),
  ]);
  let legacyStatus = 200;
  let stopping = false;
  const legacy = http.createServer((_req, res) => res.writeHead(legacyStatus).end());
  let admin: AdminServer;
  let base: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => legacy.listen(0, '127.0.0.1', resolve));
    const legacyUrl = new URL(`http://127.0.0.1:${(legacy.address() as AddressInfo).port}/`);
    admin = createAdminServer({
      config: tokens,
      routes,
      flags,
      metrics,
      logger: createLogger('info', logStream),
      readinessChecks: [
        legacyReachableCheck(legacyUrl, { cacheMs: 0, timeoutMs: 5000 }),
        flagsLoadedCheck(flags),
      ],
      readinessTimeoutMs: 5000,
      stopping: () => stopping,
      extensions: [
        (app, auth) => {
          app.post('/api/replay', auth.require('operator'), (_req, res) => {
            res.json({ replayed: true });
          });
          app.get('/api/session-only', (req, res) => {
            if (req.headers.cookie === 'session=valid') res.json({ via: 'cookie' });
            else res.status(401).json({ error: 'no session' });
          });
          app.get('/api/explode', auth.require('qa'), () => {
            throw new Error('extension bug');
          });
        },
      ],
    });
    const address = await admin.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    await admin.close();
    legacy.closeAllConnections();
    await new Promise<void>((resolve) => legacy.close(() => resolve()));
  });

  const get = (path: string, token?: string, method = 'GET') =>
    fetch(`${base}${path}`, {
      method,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });

  describe('GET /metrics', () => {
    it('serves Prometheus text without a token, including the default process metrics', async () => {
      const response = await get('/metrics');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const body = await response.text();
      expect(body).toContain('process_cpu_user_seconds_total');
      expect(body).toContain('# TYPE strangler_requests_total counter');
    });

    it('reports strangler_route_mode as 1 for the current mode and 0 for the others, live on each scrape', async () => {
      flags.set('strangler.athletes-list', 'canary');
      let body = await (await get('/metrics')).text();
      expect(body).toContain('strangler_route_mode{route="athletes-list",mode="canary"} 1');
      expect(body).toContain('strangler_route_mode{route="athletes-list",mode="legacy"} 0');
      expect(body).toContain('strangler_route_mode{route="athletes-list",mode="new"} 0');
      expect(body).toContain('strangler_route_mode{route="athlete-update",mode="legacy"} 1');

      flags.set('strangler.athletes-list', 'new');
      body = await (await get('/metrics')).text();
      expect(body).toContain('strangler_route_mode{route="athletes-list",mode="new"} 1');
      expect(body).toContain('strangler_route_mode{route="athletes-list",mode="canary"} 0');

      flags.setKillSwitch(true);
      try {
        body = await (await get('/metrics')).text();
        expect(body).toContain('strangler_route_mode{route="athletes-list",mode="legacy"} 1');
        expect(body).toContain('strangler_route_mode{route="athletes-list",mode="new"} 0');
      } finally {
        flags.setKillSwitch(false);
        flags.clear();
      }
    });
  });

  describe('health', () => {
    it('answers live while the process runs', async () => {
      const response = await get('/health/live');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'live' });
    });

    it('is ready when legacy answers and flags are loaded, listing each check to an admin', async () => {
      legacyStatus = 200;
      const response = await get('/health/ready', tokens.adminQaToken);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.json()).toEqual({
        status: 'ready',
        checks: [
          {
            name: 'legacy',
            ok: true,
            detail: expect.stringContaining('answered 200'),
            durationMs: expect.any(Number),
          },
          { name: 'flags', ok: true, detail: 'loaded', durationMs: expect.any(Number) },
        ],
      });
    });

    it('answers 503 naming the failing check when flags are not loaded, and logs the transition', async () => {
      flags.setReady(false);
      try {
        const response = await get('/health/ready', tokens.adminOperatorToken);
        expect(response.status).toBe(503);
        const body = (await response.json()) as { status: string; checks: { name: string; ok: boolean }[] };
        expect(body.status).toBe('not ready');
        expect(body.checks.map((c) => [c.name, c.ok])).toEqual([
          ['legacy', true],
          ['flags', false],
        ]);
        await new Promise((resolve) => setImmediate(resolve));
        expect(logLines.join('')).toContain('"message":"not ready"');
      } finally {
        flags.setReady(true);
      }
    });

    it('answers 503 when legacy only answers with a gateway error', async () => {
      legacyStatus = 502;
      try {
        const response = await get('/health/ready', tokens.adminQaToken);
        expect(response.status).toBe(503);
        expect(JSON.stringify(await response.json())).toContain('answered 502 (gateway error)');
      } finally {
        legacyStatus = 200;
      }
    });

    it('tells a caller without an admin token only ready or not: no URL, no check, no error text', async () => {
      legacyStatus = 502;
      try {
        for (const token of [undefined, 'wrong-token-0123456789ab']) {
          const response = await get('/health/ready', token);
          expect(response.status).toBe(503);
          expect(response.headers.get('cache-control')).toBe('no-store');
          expect(await response.text()).toBe('{"status":"not ready"}');
        }
      } finally {
        legacyStatus = 200;
      }
      const ready = await get('/health/ready');
      expect(ready.status).toBe(200);
      expect(await ready.text()).toBe('{"status":"ready"}');
    });

    it('answers 503 stopping at once once the process is stopping, every dependency fine; live stays 200', async () => {
      stopping = true;
      try {
        for (const token of [undefined, tokens.adminQaToken]) {
          const response = await get('/health/ready', token);
          expect(response.status).toBe(503);
          expect(await response.text()).toBe('{"status":"stopping"}');
        }
        expect((await get('/health/live')).status).toBe(200);
      } finally {
        stopping = false;
      }
    });
  });

  describe('GET /api/routes', () => {
    it('refuses a request without a valid bearer token with 401 problem+json', async () => {
      for (const token of [undefined, 'wrong-token-0123456789ab']) {
        const response = await get('/api/routes', token);
        expect(response.status).toBe(401);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
        expect(await response.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
      }
    });

    it('lists each route with its methods, path, flag, current mode and live counts for either role', async () => {
      flags.set('strangler.athlete-update', 'shadow');
      metrics.requests.inc({ route: 'athletes-list', target: 'legacy', mode: 'canary', status: '200' }, 3);
      metrics.requests.inc({ route: 'athletes-list', target: 'new', mode: 'canary', status: '200' }, 2);
      metrics.requests.inc({ route: 'athletes-list', target: 'new', mode: 'canary', status: '201' });
      metrics.requests.inc({ route: 'athletes-list', target: 'legacy', mode: 'canary', status: '504' });
      metrics.fallbacks.inc({ route: 'athletes-list' });
      metrics.circuitOpen.set({ route: 'athletes-list' }, 1);
      metrics.requests.inc({ route: 'catch-all', target: 'legacy', mode: 'legacy', status: '404' }, 7);
      try {
        for (const token of [tokens.adminQaToken, tokens.adminOperatorToken]) {
          const response = await get('/api/routes', token);
          expect(response.status).toBe(200);
          expect(await response.json()).toEqual({
            killSwitch: false,
            routes: [
              {
                id: 'athletes-list',
                methods: ['GET'],
                path: '/api/athletes',
                flag: 'strangler.athletes-list',
                mode: 'legacy',
                requests: { total: 7, byTarget: { legacy: { '2xx': 3, '5xx': 1 }, new: { '2xx': 3 } } },
                fallbacks: 1,
                circuitOpen: true,
              },
              {
                id: 'athlete-update',
                methods: ['PUT', 'PATCH'],
                path: '/api/athletes/{id}',
                flag: 'strangler.athlete-update',
                mode: 'shadow',
                requests: { total: 0, byTarget: {} },
                fallbacks: 0,
                circuitOpen: false,
              },
            ],
            unrouted: { 'catch-all': { total: 7, byTarget: { legacy: { '4xx': 7 } } } },
          });
        }
        // Counts are read live: a request counted after the first answer shows up in the next one.
        metrics.requests.inc({ route: 'athlete-update', target: 'new', mode: 'new', status: '500' });
        const after = (await (await get('/api/routes', tokens.adminQaToken)).json()) as {
          routes: { id: string; requests: unknown }[];
        };
        expect(after.routes[1]?.requests).toEqual({ total: 1, byTarget: { new: { '5xx': 1 } } });
      } finally {
        flags.clear();
        metrics.requests.reset();
        metrics.fallbacks.reset();
        metrics.circuitOpen.reset();
      }
    });
  });

  describe('extensions and errors', () => {
    it('lets an extension require the operator role: QA gets 403, operator gets through', async () => {
      expect((await get('/api/replay', tokens.adminQaToken, 'POST')).status).toBe(403);
      const response = await get('/api/replay', tokens.adminOperatorToken, 'POST');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ replayed: true });
      expect((await get('/api/replay', undefined, 'POST')).status).toBe(401);
    });

    it('lets an extension authenticate its own /api paths another way (QA pages use a session cookie)', async () => {
      const response = await fetch(`${base}/api/session-only`, { headers: { cookie: 'session=valid' } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ via: 'cookie' });
      expect((await get('/api/session-only')).status).toBe(401);
    });

    it('answers a failing handler with 500 problem+json and logs the error with its message', async () => {
      const response = await get('/api/explode', tokens.adminQaToken);
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toEqual({
        type: 'about:blank',
        status: 500,
        title: 'Internal Server Error',
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(logLines.join('')).toContain('extension bug');
    });

    it('answers unknown admin paths with 404 problem+json, after authentication under /api', async () => {
      const open = await get('/nothing-here');
      expect(open.status).toBe(404);
      expect(open.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await open.json()).toMatchObject({ status: 404, title: 'Not Found' });
      expect((await get('/api/nothing-here')).status).toBe(401);
      expect((await get('/api/nothing-here', tokens.adminQaToken)).status).toBe(404);
    });

    it('does not serve the public API surface: a legacy path is a 404 on the admin port', async () => {
      expect((await get('/api/athletes')).status).toBe(401);
      expect((await get('/api/athletes', tokens.adminOperatorToken)).status).toBe(404);
    });
  });
});
