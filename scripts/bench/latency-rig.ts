/**
 * What `npm run bench:compare -- --latency` measures through: legacy (upstream-server.ts in its own
 * process), the shadow store's database when DATABASE_URL is set, the shadow side run both ways (on
 * its own thread, and inline on the proxy's event loop), the public server with one matched route,
 * and the open-loop load generator.
 */
import { fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { SHADOW_THREAD_WORKER } from '../../src/app-routes.ts';
import { loadConfig } from '../../src/config.ts';
import { createSilentLogger } from '../../src/observability/logger.ts';
import type { Logger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import type { Metrics } from '../../src/observability/metrics.ts';
import type { ExchangeObserver } from '../../src/proxy/exchange-observer.ts';
import type { LegacyEngine } from '../../src/proxy/legacy-forwarder.ts';
import { createPublicServer } from '../../src/proxy/public-server.ts';
import type { PublicServer } from '../../src/proxy/public-server.ts';
import type { RouteRecord } from '../../src/routing/route.ts';
import { createRouteTable } from '../../src/routing/route-table.ts';
import type { ShadowRunner } from '../../src/shadow/shadow-runner.ts';
import { startShadow } from '../../src/shadow/start-shadow.ts';
import { migrateShadowStoreToLatest } from '../../src/shadow/store/shadow-migrations.ts';
import type { ShadowStore } from '../../src/shadow/store/shadow-store.ts';
import { startShadowThread } from '../../src/shadow/thread/shadow-thread.ts';
import type { ShadowThreadPriority } from '../../src/shadow/thread/shadow-thread.ts';
import { createFakeFlagResolver } from '../../src/testing/fake-flag-resolver.ts';
import { createBenchRoute } from './bench-shadow-route.ts';
import { isLocalPostgres, otherCpus, pin, pinShadowThreads, pinTo, proxyCpu } from './cpu-pinning.ts';
import { startLoadGenerator } from './load-generator.ts';
import type { LoadGenerator } from './load-generator.ts';

export interface LatencyRig {
  readonly engine: LegacyEngine;
  readonly sampleRate: number;
  readonly threadPriority: ShadowThreadPriority;
  readonly storeKind: 'PostgreSQL' | 'discarded (no DATABASE_URL)';
  readonly route: RouteRecord;
  readonly flags: ReturnType<typeof createFakeFlagResolver>;
  /** The proxy's URL for the route, and legacy's for the same path (`direct`). */
  readonly url: string;
  readonly directUrl: string;
  readonly generator: LoadGenerator;
  readonly inline: ShadowRunner;
  /** The shadow thread (needs the store's database), and a second one at nice 0 when asked for. */
  readonly threaded: ShadowRunner | undefined;
  readonly normalThread: ShadowRunner | undefined;
  /** Which shadow side the proxy's observer hands exchanges to from now on. */
  observeWith(runner: ShadowRunner): void;
  comparisons(): Promise<number>;
  drops(): Promise<number>;
  /** Pins the shadow thread's own connections to a local PostgreSQL with legacy, like the pool's. */
  pinShadowBackends(): Promise<void>;
  close(): Promise<void>;
}

const discardingStore: ShadowStore = {
  writeBatch: async () => undefined,
  loadNoise: async () => [],
  deleteExpired: async () => ({ samples: 0, minutes: 0, groups: 0 }),
  exportSamples: async () => [],
};

export async function startLatencyRig(engine: LegacyEngine, sampleRate: number): Promise<LatencyRig> {
  const upstream = fork(fileURLToPath(new URL('./upstream-server.ts', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  pinTo(upstream.pid, otherCpus);
  pinTo(process.pid, proxyCpu);
  const upstreamPort = await new Promise<number>((resolve) =>
    upstream.once('message', (m) => resolve((m as { port: number }).port)),
  );
  const legacyUrl = new URL(`http://127.0.0.1:${upstreamPort}`);
  const logger = createSilentLogger();
  const metrics = createMetrics({ defaultMetrics: false });
  const store = await openStore(process.env.DATABASE_URL);
  const route = await createBenchRoute({ legacyUrl: legacyUrl.href, sampleRate });
  const sides = await startShadowSides({ legacyUrl, sampleRate, metrics, logger, db: store?.db });
  let current: ShadowRunner = sides.inline.observer;
  const flags = createFakeFlagResolver({}, { recordContexts: false });
  const switching: ExchangeObserver = {
    captureLimit: (match, decision) => current.captureLimit(match, decision),
    onRequest: (request) => current.onRequest(request),
    onExchange: (exchange) => current.onExchange(exchange),
  };
  const proxy = await listen(
    createPublicServer({
      config: { legacyUrl, legacyTimeoutMs: 5000, hostHeader: 'rewrite' },
      // The engine `npm start` uses unless PROXY_ENGINE says otherwise.
      legacyEngine: engine,
      routes: createRouteTable([route]),
      flags,
      metrics,
      logger,
      observer: switching,
    }),
  );
  const sum = async (metric: Metrics['shadowComparisons'] | Metrics['shadowDropped']): Promise<number> =>
    (await metric.get()).values.reduce((total, v) => total + v.value, 0);
  const generator = startLoadGenerator();
  return {
    engine,
    sampleRate,
    threadPriority: sides.threadPriority,
    storeKind: store === undefined ? 'discarded (no DATABASE_URL)' : 'PostgreSQL',
    route,
    flags,
    url: `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}/api/items`,
    directUrl: new URL('/api/items', legacyUrl).href,
    generator,
    inline: sides.inline.observer,
    threaded: sides.threaded?.observer,
    normalThread: sides.normalThread?.observer,
    observeWith: (runner) => {
      current = runner;
    },
    comparisons: () => sum(metrics.shadowComparisons),
    drops: () => sum(metrics.shadowDropped),
    pinShadowBackends: async () => {
      if (sides.threaded !== undefined) await store?.pinShadowBackends();
    },
    close: async () => {
      await proxy.close();
      await sides.close();
      await store?.db.destroy();
      generator.close();
      upstream.kill();
    },
  };
}

function listen(proxy: PublicServer): Promise<PublicServer> {
  return new Promise((resolve) => proxy.server.listen(0, '127.0.0.1', () => resolve(proxy)));
}

interface Store {
  readonly db: Kysely<unknown>;
  pinShadowBackends(): Promise<void>;
}

/** The shadow store's database (migrated), or undefined without DATABASE_URL. */
async function openStore(databaseUrl: string | undefined): Promise<Store | undefined> {
  if (databaseUrl === undefined || databaseUrl === '') return undefined;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // A PostgreSQL on this machine is pinned with legacy (the server backends of this pool's
  // connections): in production the store is another machine, and its work must not preempt the proxy.
  const localDatabase = ['localhost', '127.0.0.1', '[::1]', ''].includes(new URL(databaseUrl).hostname);
  pool.on('connect', (client) => {
    if (!pin || !localDatabase) return;
    client
      .query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      .then((result) => {
        const pid = result.rows[0]?.pid;
        // Only a backend of a PostgreSQL on this machine: elsewhere the pid is some local process's.
        if (pid !== undefined && isLocalPostgres(pid)) pinTo(pid, otherCpus);
      })
      .catch((error: unknown) => console.warn(`PostgreSQL backend not pinned: ${String(error)}`));
  });
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  await migrateShadowStoreToLatest(db);
  return {
    db,
    pinShadowBackends: async () => {
      if (!pin || !localDatabase) return;
      const { rows } = await pool.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'strangler-shadow%'",
      );
      for (const { pid } of rows) if (isLocalPostgres(pid)) pinTo(pid, otherCpus);
    },
  };
}

type ShadowSide = Awaited<ReturnType<typeof startShadow>>;

/**
 * Both ways of running the shadow side, alternated in the same run: on a thread of its own (as
 * `npm start` runs it) and on the proxy's event loop (SHADOW_THREAD=false). The thread needs the
 * store's database: without DATABASE_URL only the event-loop arm runs.
 */
async function startShadowSides(options: {
  readonly legacyUrl: URL;
  readonly sampleRate: number;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly db: Kysely<unknown> | undefined;
}) {
  const { legacyUrl, sampleRate, metrics, logger, db } = options;
  const threadPriority = loadConfig({
    SHADOW_THREAD_PRIORITY: process.env.SHADOW_THREAD_PRIORITY,
  }).shadowThreadPriority;
  const startThread = (priority: ShadowThreadPriority) =>
    startShadowThread({
      worker: SHADOW_THREAD_WORKER,
      options: {
        routes: {
          module: new URL('./bench-shadow-route.ts', import.meta.url).href,
          options: { legacyUrl: legacyUrl.href, sampleRate },
        },
        databaseUrl: process.env.DATABASE_URL as string,
        legacyUrl,
        hostHeader: 'rewrite',
        acceptedRules: false,
        priority,
      },
      metrics,
      logger,
    });
  const threaded = db === undefined ? undefined : await startThread(threadPriority);
  // BENCH_MODES with `shadow thread normal`: a second shadow thread at normal priority (nice 0), to
  // measure what the idle policy is worth in the same run.
  const normalThread =
    db !== undefined && process.env.BENCH_MODES?.split(',').includes('shadow thread normal') === true
      ? await startThread(0)
      : undefined;
  pinShadowThreads();
  // As src/main.ts starts it with SHADOW_THREAD=false.
  const inline: ShadowSide = await startShadow({
    ...(db === undefined ? { store: discardingStore } : { db }),
    legacyUrl,
    hostHeader: 'rewrite',
    metrics,
    logger,
  });
  return {
    threadPriority,
    threaded,
    normalThread,
    inline,
    close: async () => {
      await threaded?.close();
      await normalThread?.close();
      await inline.close();
    },
  };
}
