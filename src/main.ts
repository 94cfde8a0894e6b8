/**
 * The composition root (docs/architecture.md): the only module that sees everything and the only one that
 * builds stores and services. `node src/main.ts` runs it on what the configuration names; `npm start`
 * (scripts/demo/start.ts) runs it after starting the demo's parts for whatever is not configured
 * (embedded PostgreSQL, seeded data, a legacy: the ASP.NET Core app or the TypeScript stand-in).
 */
import type { AddressInfo } from 'node:net';

import type { Express } from 'express';
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';

import { openNewDatabase } from '../adapters/database.ts';
import { migrateNewToLatest } from '../adapters/migrations.ts';
import { migrateLegacySyncToLatest } from '../adapters/postgres/sync-migrations.ts';
import { createFlagResolver } from '../flags/create-flag-resolver.ts';
import {
  APP_SHADOW_ROUTES_MODULE,
  createAppRoutes,
  SHADOW_THREAD_WORKER,
  type AppShadowRoutesOptions,
} from './app-routes.ts';
import { createAdminServer } from './admin/admin-server.ts';
import { sendProblem } from './proxy/problem-response.ts';
import type { AdminAuth } from './admin/auth.ts';
import { databaseCheck, flagsLoadedCheck, legacyReachableCheck } from './admin/readiness.ts';
import { ConfigError, loadConfig } from './config.ts';
import type { Config } from './config.ts';
import { createLogger, errorDetails } from './observability/logger.ts';
import type { Logger } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { createPublicServer } from './proxy/public-server.ts';
import { createAcceptedRulesCache } from './qa-reports/accepted-rules-cache.ts';
import { createPostgresReportStore } from './qa-reports/postgres-report-store.ts';
import { migrateQaReportsToLatest } from './qa-reports/qa-migrations.ts';
import { createQaReportsRouter } from './qa-reports/qa-reports-router.ts';
import { createRouteTable } from './routing/route-table.ts';
import type { RouteRecord, RouteTable } from './routing/route.ts';
import { RouteValidationError } from './routing/route-validation-error.ts';
import { shadowRuleProblems } from './shadow/shadow-runner.ts';
import { startShadow, type Shadow } from './shadow/start-shadow.ts';
import { startShadowThread } from './shadow/thread/shadow-thread.ts';
import { migrateShadowStoreToLatest } from './shadow/store/shadow-migrations.ts';
import { replayDeadLetter } from './sync/outbox-relay.ts';
import { migrateSyncToLatest } from './sync/sync-migrations.ts';
import { openLegacySyncEngine } from '../adapters/open-legacy-sync-engine.ts';
import { createSyncPool } from './sync/sync-pool.ts';
import { createSyncRuntime } from './sync/sync-runtime.ts';
import type { SyncRuntime } from './sync/sync-runtime.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Closer = readonly [name: string, close: () => Promise<void>];

/** Personal data masked in every stored shadow sample: samples are kept for days and shown to QA. */
const PERSONAL_DATA_PATHS = ['$..Email', '$..DateOfBirth', '$..Notes'];

/** The route table, or one error listing every problem: the records' and their comparison rules' at once. */
function routeTableOrAllProblems(records: readonly RouteRecord[]): RouteTable {
  const ruleProblems = shadowRuleProblems(records);
  let routes: RouteTable;
  try {
    routes = createRouteTable(records);
  } catch (error: unknown) {
    if (error instanceof RouteValidationError)
      throw new RouteValidationError([...error.problems, ...ruleProblems]);
    throw error;
  }
  if (ruleProblems.length > 0) throw new RouteValidationError(ruleProblems);
  return routes;
}

/**
 * Where strangler's dependencies are: the databases and the legacy API. In production the configuration
 * names them all (configuredEnvironment); the demo (scripts/demo/start.ts, `npm start`) starts what is
 * not configured and hands its environment in here.
 */
export interface Environment {
  readonly databaseUrl: string;
  /** Undefined: no dual-write sync (a real legacy API without LEGACY_DATABASE_URL). */
  readonly legacyDatabaseUrl: string | undefined;
  readonly legacyUrl: URL;
  /** What was started for this run, for the startup banner. */
  readonly started: readonly string[];
  stop(): Promise<void>;
}

export type EnvironmentStarter = (config: Config, logger: Logger) => Promise<Environment>;

/** Production: DATABASE_URL and LEGACY_URL are required; nothing is started. */
export async function configuredEnvironment(config: Config): Promise<Environment> {
  const { databaseUrl, legacyUrl } = config;
  if (databaseUrl === undefined || legacyUrl === undefined) {
    throw new Error(
      'DATABASE_URL and LEGACY_URL must be set (`npm start` runs the demo with what is missing)',
    );
  }
  return {
    databaseUrl,
    legacyDatabaseUrl: config.legacyDatabaseUrl,
    legacyUrl,
    started: [],
    stop: async () => {},
  };
}

export async function main(startEnvironment: EnvironmentStarter): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  const metrics = createMetrics();
  const closers: Closer[] = [];
  const { shutdown, startupFinished } = installShutdown(closers, logger);

  try {
    const demo = await startEnvironment(config, logger);
    closers.push(['environment', () => demo.stop()]);
    await run(config, demo, logger, metrics, closers);
    await startupFinished();
  } catch (error: unknown) {
    if (error instanceof RouteValidationError) {
      console.error(error.message);
    } else {
      logger.error('strangler failed to start', { error: errorDetails(error) });
      const hint = addressInUseHint(error, config);
      if (hint !== undefined) console.error(hint);
    }
    await shutdown(1);
  }
}

/**
 * A plain sentence for the most common way a start fails on a workstation: one of strangler's ports
 * is taken (another `npm start` still running, say), naming the setting that moves it.
 */
function addressInUseHint(error: unknown, config: Config): string | undefined {
  const { code, port } = (error ?? {}) as { code?: unknown; port?: unknown };
  if (code !== 'EADDRINUSE' || typeof port !== 'number') return undefined;
  const owners: [number, string][] = [
    [config.port, 'PORT (the public port)'],
    [config.adminPort, 'ADMIN_PORT (the admin port)'],
    [config.legacyStandInPort, 'LEGACY_STAND_IN_PORT (the demo legacy)'],
  ];
  const setting = owners.find(([owned]) => owned === port)?.[1];
  return (
    `strangler failed to start: port ${port} is already in use (is another strangler still running?)` +
    (setting === undefined ? '' : `; set ${setting} to use another`) +
    (setting?.startsWith('PORT') === true ? ', or REUSE_PORT=true to share it with another replica' : '')
  );
}

async function run(
  config: Config,
  demo: Environment,
  logger: Logger,
  metrics: ReturnType<typeof createMetrics>,
  closers: Closer[],
): Promise<void> {
  const legacyUrl = demo.legacyUrl;
  const newDb = openNewDatabase(demo.databaseUrl, { applicationName: 'strangler' });
  closers.push(['database', () => newDb.destroy()]);
  // Proxy state (schema `strangler`) shares the new database's pool; each subsystem types its own tables.
  const stateDb = newDb as unknown as Kysely<unknown>;

  // strangler's own tables (schema `strangler`) always follow the code; each set has its own migrator
  // and lock, so N replicas starting at once are safe. The entity schema migrates here too unless
  // MIGRATE_ON_START=false (then run `npm run migrate -- new up` as a deploy step).
  if (config.migrateOnStart) await migrateNewToLatest(newDb);
  await migrateShadowStoreToLatest(stateDb);
  await migrateQaReportsToLatest(stateDb);

  // Dual-write sync. New handlers write outbox rows whenever a legacy database is known; the relay and
  // the change poller run in-process, or (SYNC_IN_PROCESS=false) only in scripts/sync-worker.ts
  // processes for scale-out.
  let sync: SyncRuntime | undefined;
  let syncApi: { runtime: SyncRuntime; pool: pg.Pool } | undefined;
  const legacyDatabaseUrl = demo.legacyDatabaseUrl;
  const outboxOn = legacyDatabaseUrl !== undefined;
  if (legacyDatabaseUrl !== undefined) {
    await migrateSyncToLatest(stateDb);
    if (config.syncInProcess) {
      const legacySide = openLegacySyncEngine(legacyDatabaseUrl, { applicationName: 'strangler-sync' });
      closers.push(['sync legacy connection', () => legacySide.close()]);
      if (legacySide.pool !== undefined) {
        // The stand-in's applied-events table and change-log triggers; on SQL Server a DBA applies
        // SYNC_MIGRATIONS_MSSQL (Change Tracking needs ALTER DATABASE rights the app should not have).
        await migrateLegacySyncToLatest(
          new Kysely<unknown>({ dialect: new PostgresDialect({ pool: legacySide.pool }) }),
        );
      } else {
        logger.warn(
          'dual-write sync on SQL Server: its T-SQL is snapshot-tested but has not been run against a real server by strangler\'s authors; run the sync suite against yours first (README, "Limits")',
        );
      }
      // A connection the server drops must not crash the proxy; the next query reconnects.
      const newPool = createSyncPool(
        { connectionString: demo.databaseUrl, max: 4, application_name: 'strangler-sync' },
        (error: Error) => logger.warn('sync: connection lost', errorDetails(error)),
      );
      closers.push(['sync pool', () => newPool.end()]);
      sync = createSyncRuntime({
        newPool,
        legacy: legacySide.engine,
        ownership: config.syncOwnership,
        logger: logger.child({ component: 'sync' }),
        registry: metrics.registry,
      });
      syncApi = { runtime: sync, pool: newPool };
    }
  }

  const records = createAppRoutes(newDb, outboxOn);
  const routes = routeTableOrAllProblems(records);

  const flags = await createFlagResolver({
    unleash: config.unleash,
    flagsFile: config.flagsFile,
    backupDir: config.flagsBackupDir,
    logger: logger.child({ component: 'flags' }),
  });
  closers.push(['flags', () => flags.stop()]);

  // Shadow comparison: results batched into PostgreSQL off the client path; QA's accepted differences
  // (reloaded every few seconds, and at once after an accept on this replica) apply to it. By default
  // the whole shadow side runs on a thread of its own at low priority (src/shadow/thread).
  const reportStore = createPostgresReportStore(newDb);
  const shadowTuning = {
    redaction: { jsonPaths: PERSONAL_DATA_PATHS },
    // A write's dry run starts early and waits for legacy's answer, which may take LEGACY_TIMEOUT_MS.
    exchangeWaitMs: Math.max(60_000, config.legacyTimeoutMs + 5_000),
  };
  let onRulesChanged: () => Promise<void>;
  let shadow: Shadow;
  if (config.shadowThread) {
    const thread = await startShadowThread({
      worker: SHADOW_THREAD_WORKER,
      options: {
        routes: {
          module: APP_SHADOW_ROUTES_MODULE,
          options: { databaseUrl: demo.databaseUrl, outbox: outboxOn } satisfies AppShadowRoutesOptions,
        },
        databaseUrl: demo.databaseUrl,
        legacyUrl,
        hostHeader: config.hostHeader,
        logLevel: config.logLevel,
        priority: config.shadowThreadPriority,
        shadow: shadowTuning,
      },
      metrics,
      logger: logger.child({ component: 'shadow' }),
      killSwitchOn: () => flags.killSwitchOn(),
    });
    onRulesChanged = () => thread.rulesChanged();
    shadow = thread;
  } else {
    const rulesCache = createAcceptedRulesCache({ store: reportStore, logger });
    await rulesCache.refresh();
    closers.push(['accepted rules', async () => rulesCache.stop()]);
    onRulesChanged = () => rulesCache.refresh();
    shadow = await startShadow({
      db: stateDb,
      legacyUrl,
      hostHeader: config.hostHeader,
      metrics,
      logger: logger.child({ component: 'shadow' }),
      killSwitchOn: () => flags.killSwitchOn(),
      acceptedDifferences: (routeId) => rulesCache.acceptedDifferences(routeId),
      ...shadowTuning,
    });
  }
  closers.push(['shadow', () => shadow.close()]);

  const admin = createAdminServer({
    config,
    routes,
    flags,
    metrics,
    logger,
    readinessChecks: [
      legacyReachableCheck(legacyUrl),
      flagsLoadedCheck(flags),
      databaseCheck('postgres', newDb),
    ],
    extensions: [
      (app: Express, auth: AdminAuth) => {
        app.use(
          createQaReportsRouter({
            store: reportStore,
            routes: routes.routes,
            flags,
            tokens: config,
            auth,
            logger,
            onRulesChanged,
          }),
        );
      },
      (app: Express, auth: AdminAuth) => mountSyncApi(app, auth, syncApi, logger),
    ],
  });
  const adminAddress = await admin.listen(config.adminPort, config.adminHost);
  closers.push(['admin port', () => admin.close()]);

  const proxy = createPublicServer({
    config: { legacyUrl, legacyTimeoutMs: config.legacyTimeoutMs, hostHeader: config.hostHeader },
    legacyEngine: config.proxyEngine,
    legacyMaxBodyBytes: config.legacyMaxRequestBodyBytes,
    routes,
    flags,
    metrics,
    logger,
    observer: shadow.observer,
  });
  await new Promise<void>((resolve, reject) => {
    proxy.server.once('error', reject);
    // REUSE_PORT: replicas on one host share PORT (SO_REUSEPORT); the kernel spreads connections.
    proxy.server.listen({ port: config.port, reusePort: config.reusePort }, () => {
      proxy.server.off('error', reject);
      resolve();
    });
  });
  // Closed first on shutdown: stop taking client traffic, then drain the rest.
  closers.push(['public port', () => proxy.close()]);

  if (sync !== undefined) {
    sync.start();
    const running = sync;
    closers.push(['sync', () => running.stop()]);
  }

  const publicPort = (proxy.server.address() as AddressInfo).port;
  const adminBase = `http://${adminAddress.address === '0.0.0.0' ? '127.0.0.1' : adminAddress.address}:${adminAddress.port}`;
  const lines = [
    '',
    'strangler is running',
    ...demo.started.map((s) => `  started: ${s}`),
    `  public (legacy API surface): http://127.0.0.1:${publicPort}   → legacy ${legacyUrl.origin}`,
    `  admin: ${adminBase}  (metrics /metrics, health /health/ready, routes /api/routes)`,
    `  QA reports: ${adminBase}/reports`,
    `  flags: ${config.unleash === undefined ? `${config.flagsFile} (offline; edits apply within 2 s)` : config.unleash.url}`,
    `  dual-write sync: ${sync !== undefined ? 'on' : outboxOn ? 'outbox only (SYNC_IN_PROCESS=false: the sync runs in `npm run sync-worker` processes)' : 'off (no LEGACY_DATABASE_URL)'}`,
  ];
  if (config.demoTokens) {
    lines.push(
      '  demo admin tokens (set ADMIN_QA_TOKEN / ADMIN_OPERATOR_TOKEN in production):',
      `    QA:       ${config.adminQaToken}`,
      `    operator: ${config.adminOperatorToken}`,
    );
  }
  lines.push('  Ctrl-C stops everything.', '');
  console.log(lines.join('\n'));
}

function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error: unknown) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

/** Sync status for QA and operators, and the operator's dead-letter replay (README.md, "The admin port"). */
function mountSyncApi(
  app: Express,
  auth: AdminAuth,
  sync: { runtime: SyncRuntime; pool: pg.Pool } | undefined,
  logger: Logger,
): void {
  app.get('/api/sync/status', auth.require('qa'), async (_req, res) => {
    if (sync === undefined) {
      res.json({ enabled: false });
      return;
    }
    res.json({ enabled: true, ...(await sync.runtime.getSyncStatus()) });
  });
  app.post('/api/sync/dead-letters/:eventId/replay', auth.require('operator'), async (req, res) => {
    if (sync === undefined) {
      sendProblem(res, {
        status: 409,
        title: 'Conflict',
        detail: 'The dual-write sync is not running here.',
      });
      return;
    }
    const eventId = String(req.params.eventId);
    // Event ids are UUIDs; anything else cannot name a dead letter (and must not reach the query as one).
    const replayed =
      UUID.test(eventId) && (await replayDeadLetter(sync.pool, eventId, 'operator via admin API'));
    logger.info('dead letter replay requested', { eventId, replayed });
    if (replayed) res.status(202).json({ eventId, replayed });
    else sendProblem(res, { status: 404, title: 'Not Found', detail: `No dead-lettered event ${eventId}.` });
  });
}

function installShutdown(
  closers: Closer[],
  logger: Logger,
): { shutdown: (code: number) => Promise<void>; startupFinished: () => Promise<void> } {
  let stopping = false;
  // A signal while starting cannot stop what is still being started (the demo environment registers its
  // closer only once it is up): exiting then killed the embedded PostgreSQL mid-initdb and left a DATA_DIR
  // that never started again. So the stop waits for startup to finish; a second signal still exits now.
  let starting = true;
  let stopRequested = false;
  const shutdown = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // Last started, first stopped: the public port stops taking traffic before anything it uses goes.
    for (const [name, close] of [...closers].reverse()) {
      try {
        await close();
      } catch (error: unknown) {
        logger.warn(`${name} did not stop cleanly`, { error: errorDetails(error) });
      }
    }
    logger.info('strangler stopped');
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping || stopRequested) {
        // A second Ctrl-C means now.
        process.exit(130);
      }
      if (starting) {
        stopRequested = true;
        logger.info(`${signal} received while starting; stopping once startup completes (again to exit now)`);
        return;
      }
      logger.info(`${signal} received, stopping`);
      void shutdown(0);
    });
  }
  const startupFinished = async (): Promise<void> => {
    starting = false;
    if (stopRequested) await shutdown(0);
  };
  return { shutdown, startupFinished };
}

if (import.meta.url === `file://${process.argv[1]}`) await main(configuredEnvironment);
