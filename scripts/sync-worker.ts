/**
 * The dual-write sync as its own process, for scale-out next to the proxy replicas;
 * configured by the environment (USAGE below, `npm run sync-worker -- --help`). On SIGTERM/SIGINT it
 * finishes the batches in flight (src/composition/shutdown.ts); a SIGKILL loses nothing (claims are row
 * locks).
 */
import { Kysely, PostgresDialect } from 'kysely';
import { Registry } from 'prom-client';

import { engineForUrl } from '../adapters/database.ts';
import { migrateLegacySyncToLatest } from '../adapters/postgres/sync-migrations.ts';
import { createLogger, errorDetails } from '../src/observability/logger.ts';
import { startTracing } from '../src/observability/tracing-sdk.ts';
import { openLegacySyncEngine } from '../adapters/open-legacy-sync-engine.ts';
import { parseOwnership } from '../src/sync/sync-entities.ts';
import { createSyncPool } from '../src/sync/sync-pool.ts';
import { migrateSyncToLatest } from '../src/sync/sync-migrations.ts';
import { createSyncRuntime } from '../src/sync/sync-runtime.ts';
import type { SyncRole } from '../src/sync/sync-runtime.ts';
import { type Closer, installShutdown } from '../src/composition/shutdown.ts';
import { EnvReader } from '../src/config/env-reader.ts';
import { readShutdownSettings } from '../src/config/shutdown-settings.ts';
import { cliOptions } from './cli-args.ts';

const USAGE = `usage: DATABASE_URL=postgres://… LEGACY_DATABASE_URL=postgres://…|mssql://… npm run sync-worker
Optional environment:
  SYNC_ROLE               relay (PostgreSQL → legacy), poller (legacy → PostgreSQL) or both (default)
  SYNC_OWNERSHIP          athletes=new,… (default: legacy owns every entity)
  SYNC_BATCH_SIZE         events claimed per batch (500)
  SYNC_MAX_ATTEMPTS       attempts before an event goes to the dead letters (8)
  SYNC_RELAY_CONCURRENCY  batches in flight (2)
  SYNC_MIGRATE=1          apply the sync migrations first
  SHUTDOWN_TIMEOUT_MS     on SIGTERM, how long the batches in flight may take before they are cut (25000)
  LOG_LEVEL               info
  OTEL_EXPORTER_OTLP_ENDPOINT and the other OTEL_* variables: traces of each batch (docs/operations.md)
Run any number of them: they share the work through row locks (FOR UPDATE SKIP LOCKED).`;
cliOptions({}, USAGE);

const env = process.env;
const logger = createLogger(env.LOG_LEVEL ?? 'info');

function required(name: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    logger.error(`${name} is required`);
    process.exit(2);
  }
  return value;
}

function int(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    logger.error(`${name} must be a positive integer (got "${raw}")`);
    process.exit(2);
  }
  return n;
}

const settings = new EnvReader(env);
const shutdown = readShutdownSettings(settings);
if (settings.problems.length > 0) {
  logger.error(settings.problems.join('; '));
  process.exit(2);
}
const databaseUrl = required('DATABASE_URL');
const legacyUrl = required('LEGACY_DATABASE_URL');
const role = (env.SYNC_ROLE ?? 'both') as SyncRole;
if (!['relay', 'poller', 'both'].includes(role)) {
  logger.error(`SYNC_ROLE must be relay, poller or both (got "${role}")`);
  process.exit(2);
}
if (engineForUrl(legacyUrl) !== 'postgres') {
  // The SQL Server engine (adapters/mssql/sync-*.ts) has its T-SQL written and snapshot-tested, but no
  // executor has been run against a real SQL Server here; refuse rather than run it untested.
  logger.error(
    'LEGACY_DATABASE_URL: this worker drives the PostgreSQL stand-in; SQL Server is not wired yet',
  );
  process.exit(2);
}

// A connection dropped by the server must not crash the worker; the next query reconnects.
const newPool = createSyncPool(
  { connectionString: databaseUrl, max: 4, application_name: 'strangler-sync' },
  (error: Error) => logger.warn('strangler-sync: connection lost', errorDetails(error)),
);
const legacy = openLegacySyncEngine(legacyUrl);

if (env.SYNC_MIGRATE === '1') {
  await migrateSyncToLatest(new Kysely<unknown>({ dialect: new PostgresDialect({ pool: newPool }) }));
  if (legacy.pool !== undefined) {
    await migrateLegacySyncToLatest(
      new Kysely<unknown>({ dialect: new PostgresDialect({ pool: legacy.pool }) }),
    );
  }
}

const tracing = await startTracing();

const runtime = createSyncRuntime({
  newPool,
  legacy: legacy.engine,
  ownership: parseOwnership(env.SYNC_OWNERSHIP),
  logger,
  registry: new Registry(),
  role,
  relay: {
    batchSize: int('SYNC_BATCH_SIZE', 500),
    maxAttempts: int('SYNC_MAX_ATTEMPTS', 8),
    concurrency: int('SYNC_RELAY_CONCURRENCY', 2),
  },
});
// No listener to take out of a load balancer: the delay does not apply. A batch still running at the
// timeout is cut by the exit; its claim (row locks) ends with its connection, so another worker takes
// the rows at once.
const closers: Closer[] = [
  // Stopped last: the last batches' spans are exported before the process goes.
  ['tracing', async () => tracing?.shutdown()],
  ['pools', () => Promise.all([newPool.end(), legacy.close()]).then(() => undefined)],
  ['sync', () => runtime.stop()],
];
const lifecycle = installShutdown(closers, logger, {
  ...shutdown,
  delayMs: 0,
  stoppedMessage: 'sync worker stopped',
});
runtime.start();
await lifecycle.startupFinished();
logger.info('sync worker started', { role, pid: process.pid });
