/**
 * The benchmark's strangler: the real public server with production-like dependencies (JSON
 * logging at info into stdout, which the bench discards; a metrics registry with the default
 * process metrics; the real route table with one route in legacy mode). Forked by scripts/bench.ts.
 */
import type { AddressInfo } from 'node:net';
import { jsonResponse } from '../../src/handlers/new-handler.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { createPublicServer } from '../../src/proxy/public-server.ts';
import { createRouteTable } from '../../src/routing/route-table.ts';
import { createFakeFlagResolver } from '../../src/testing/fake-flag-resolver.ts';

const legacyUrl = new URL(process.argv[2] ?? 'http://127.0.0.1:1');
const routes = createRouteTable([
  {
    id: 'athletes-list',
    methods: ['GET'],
    path: '/api/athletes',
    flag: 'strangler.athletes-list',
    handler: async () => jsonResponse(200, { items: [] }),
    stickiness: { kind: 'header', name: 'x-tenant-id' },
  },
]);
const publicServer = createPublicServer({
  config: { legacyUrl, legacyTimeoutMs: 30_000, hostHeader: 'rewrite' },
  routes,
  flags: createFakeFlagResolver({ 'strangler.athletes-list': 'legacy' }),
  metrics: createMetrics(),
  logger: createLogger(process.env.LOG_LEVEL ?? 'info'),
});
publicServer.server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (publicServer.server.address() as AddressInfo).port });
});
process.on('disconnect', () => {
  void publicServer.close().then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
