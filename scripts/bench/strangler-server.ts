/**
 * The benchmark's strangler: the real public server with production-like dependencies (JSON
 * logging at info into stdout, which the bench discards; a metrics registry with the default
 * process metrics; the real route table with one route in legacy mode). Forked by scripts/bench.ts,
 * once per replica: every replica binds the same port with SO_REUSEPORT, as REUSE_PORT=true makes
 * `npm start` do, so N replicas on N cores are N independent processes behind one port, the way
 * nginx runs N workers. PROXY_ENGINE picks the forwarding engine (legacy-forwarder.ts).
 * Usage: node strangler-server.ts <legacy URL> [port, 0 = any free one]
 */
import type { AddressInfo } from 'node:net';
import { jsonResponse } from '../../src/handlers/new-handler.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { startTracing } from '../../src/observability/tracing-sdk.ts';
import { DEFAULT_LEGACY_ENGINE, isLegacyEngine } from '../../src/proxy/legacy-forwarder.ts';
import type { LegacyEngine } from '../../src/proxy/legacy-forwarder.ts';
import { createTokenVerifier } from '../../src/identity/token-verifier.ts';
import { createPublicServer } from '../../src/proxy/public-server.ts';
import { createRouteTable } from '../../src/routing/route-table.ts';
import { createFakeFlagResolver } from '../../src/testing/fake-flag-resolver.ts';
import { BENCH_NEW_AUTH_PATH, BENCH_NEW_PATH } from './bench-caller.ts';

const legacyUrl = new URL(process.argv[2] ?? 'http://127.0.0.1:1');
const port = Number(process.argv[3] ?? 0);
const engine = legacyEngineFrom(process.env.PROXY_ENGINE);

function legacyEngineFrom(value: string | undefined): LegacyEngine {
  if (value === undefined || value === '') return DEFAULT_LEGACY_ENGINE;
  if (!isLegacyEngine(value)) throw new Error(`PROXY_ENGINE=${value} is not a forwarding engine`);
  return value;
}

const STICKINESS = { kind: 'header', name: 'x-tenant-id' } as const;
const answer = async () => jsonResponse(200, { items: [] });

// AUTH_ISSUER / AUTH_AUDIENCE: scripts/bench.ts's own issuer, for the route with a policy.
const verifier =
  process.env.AUTH_ISSUER === undefined
    ? undefined
    : createTokenVerifier({ issuer: process.env.AUTH_ISSUER, audiences: [process.env.AUTH_AUDIENCE ?? ''] });

function serve(onListening: (port: number) => void): () => Promise<void> {
  const route = (id: string, path: string, policy?: { scopes: string[] }) => ({
    id,
    methods: ['GET' as const],
    path,
    flag: `strangler.${id}`,
    handler: answer,
    stickiness: STICKINESS,
    ...(policy === undefined ? {} : { policy }),
  });
  const routes = createRouteTable([
    route('athletes-list', '/api/athletes'),
    route('bench-new', BENCH_NEW_PATH),
    route('bench-new-auth', BENCH_NEW_AUTH_PATH, { scopes: ['athletes:read'] }),
  ]);
  const publicServer = createPublicServer({
    config: { legacyUrl, legacyTimeoutMs: 30_000, hostHeader: 'rewrite' },
    routes,
    flags: createFakeFlagResolver(
      {
        'strangler.athletes-list': 'legacy',
        'strangler.bench-new': 'new',
        'strangler.bench-new-auth': 'new',
      },
      { recordContexts: false },
    ),
    ...(verifier === undefined ? {} : { verifier }),
    metrics: createMetrics(),
    logger: createLogger(process.env.LOG_LEVEL ?? 'info'),
    legacyEngine: engine,
    // LEGACY_MAX_REQUEST_BODY_BYTES as in production; the streaming suite's upstream has no limit.
    ...(process.env.LEGACY_MAX_REQUEST_BODY_BYTES === undefined
      ? {}
      : { legacyMaxBodyBytes: Number(process.env.LEGACY_MAX_REQUEST_BODY_BYTES) }),
  });
  publicServer.server.listen({ port, host: '127.0.0.1', reusePort: true }, () => {
    onListening((publicServer.server.address() as AddressInfo).port);
  });
  return () => publicServer.close();
}

// Only with OTEL_EXPORTER_OTLP_ENDPOINT set (the catch-all-traced target), as in `npm start`.
const tracing = await startTracing();
const close = serve((bound) => process.send?.({ port: bound }));
process.on('disconnect', () => {
  void close()
    .then(() => tracing?.shutdown())
    .then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
