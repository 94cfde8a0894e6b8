import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonResponse } from '../handlers/new-handler.ts';
import { createSilentLogger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { createPublicServer } from '../proxy/public-server.ts';
import type { PublicServer } from '../proxy/public-server.ts';
import { createRouteTable } from '../routing/route-table.ts';
import { createAdminServer } from './admin-server.ts';
import type { AdminServer } from './admin-server.ts';
import { createFakeFlagResolver } from '../testing/fake-flag-resolver.ts';
import type { RouteReport } from './route-report.ts';

/**
 * /api/routes must show the real traffic the public port served, through the labels the proxy
 * actually writes (route id or the catch-all, numeric status), not numbers the admin side keeps.
 */
describe('admin port beside the real public port', () => {
  const tokens = {
    adminQaToken: 'qa-token-0123456789abcdef',
    adminOperatorToken: 'op-token-0123456789abcdef',
  };
  const metrics = createMetrics({ defaultMetrics: false });
  const flags = createFakeFlagResolver();
  const logger = createSilentLogger();
  const routes = createRouteTable([
    {
      id: 'athlete-get',
      methods: ['GET'],
      path: '/api/athletes/{id}',
      flag: 'strangler.athlete-get',
      handler: async (request) => jsonResponse(200, { id: request.params.id }),
      stickiness: { kind: 'client-address' },
    },
  ]);
  const legacy = http.createServer((_req, res) =>
    res.writeHead(404, { 'content-type': 'text/plain' }).end('nope'),
  );
  let publicServer: PublicServer;
  let admin: AdminServer;
  let publicBase: string;
  let adminBase: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => legacy.listen(0, '127.0.0.1', resolve));
    const legacyUrl = new URL(`http://127.0.0.1:${(legacy.address() as AddressInfo).port}`);
    publicServer = createPublicServer({
      config: { legacyUrl, legacyTimeoutMs: 5000, hostHeader: 'rewrite' },
      routes,
      flags,
      metrics,
      logger,
    });
    await new Promise<void>((resolve) => publicServer.server.listen(0, '127.0.0.1', resolve));
    publicBase = `http://127.0.0.1:${(publicServer.server.address() as AddressInfo).port}`;
    admin = createAdminServer({ config: tokens, routes, flags, metrics, logger, readinessChecks: [] });
    adminBase = `http://127.0.0.1:${(await admin.listen(0, '127.0.0.1')).port}`;
  });

  afterAll(async () => {
    await admin.close();
    await publicServer.close();
    legacy.closeAllConnections();
    await new Promise<void>((resolve) => legacy.close(() => resolve()));
  });

  async function report(): Promise<RouteReport> {
    const response = await fetch(`${adminBase}/api/routes`, {
      headers: { authorization: `Bearer ${tokens.adminQaToken}` },
    });
    return (await response.json()) as RouteReport;
  }

  it('counts new-handler and catch-all traffic by target and status class', async () => {
    flags.set('strangler.athlete-get', 'new');
    for (const path of ['/api/athletes/1', '/api/athletes/2', '/not/migrated']) {
      const response = await fetch(`${publicBase}${path}`);
      await response.arrayBuffer();
    }
    // The proxy counts when the response finishes, which may be just after the client has it.
    let current = await report();
    for (let attempt = 0; attempt < 40 && current.routes[0]?.requests.total !== 2; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      current = await report();
    }
    expect(current.routes[0]).toMatchObject({
      id: 'athlete-get',
      mode: 'new',
      requests: { total: 2, byTarget: { new: { '2xx': 2 } } },
    });
    expect(Object.values(current.unrouted)).toEqual([{ total: 1, byTarget: { legacy: { '4xx': 1 } } }]);
  });

  it('keeps every admin path off the public port: there they are plain legacy traffic', async () => {
    for (const path of ['/metrics', '/health/ready', '/api/routes']) {
      const response = await fetch(`${publicBase}${path}`, {
        headers: { authorization: `Bearer ${tokens.adminOperatorToken}` },
      });
      expect([path, response.status, await response.text()]).toEqual([path, 404, 'nope']);
    }
  });
});
