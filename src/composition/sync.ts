import type { Express } from 'express';
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';

import { openLegacySyncEngine } from '../../adapters/open-legacy-sync-engine.ts';
import { migrateLegacySyncToLatest } from '../../adapters/postgres/sync-migrations.ts';
import type { AdminAuth } from '../admin/auth.ts';
import { sendProblem } from '../proxy/problem-response.ts';
import type { Config } from '../config.ts';
import { errorDetails } from '../observability/logger.ts';
import type { Logger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { replayDeadLetter } from '../sync/dead-letters.ts';
import { migrateSyncToLatest } from '../sync/sync-migrations.ts';
import { createSyncPool } from '../sync/sync-pool.ts';
import { createSyncRuntime } from '../sync/sync-runtime.ts';
import type { SyncRuntime } from '../sync/sync-runtime.ts';
import type { Environment } from './environment.ts';
import type { Closer } from './shutdown.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Dual-write sync. New handlers write outbox rows whenever a legacy database is known; the relay and
 * the change poller run in-process, or (SYNC_IN_PROCESS=false) only in scripts/sync-worker.ts
 * processes for scale-out.
 */
export async function startSync(
  config: Config,
  environment: Environment,
  stateDb: Kysely<unknown>,
  metrics: ReturnType<typeof createMetrics>,
  logger: Logger,
  closers: Closer[],
): Promise<{
  sync: SyncRuntime | undefined;
  syncApi: { runtime: SyncRuntime; pool: pg.Pool } | undefined;
  outboxOn: boolean;
}> {
  const legacyDatabaseUrl = environment.legacyDatabaseUrl;
  if (legacyDatabaseUrl === undefined) return { sync: undefined, syncApi: undefined, outboxOn: false };
  await migrateSyncToLatest(stateDb);
  if (!config.syncInProcess) return { sync: undefined, syncApi: undefined, outboxOn: true };
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
      "dual-write sync on SQL Server: its T-SQL is snapshot-tested but has not been run against a real server by strangler's authors; run the sync suite against yours first (docs/limits.md)",
    );
  }
  // A connection the server drops must not crash the proxy; the next query reconnects.
  const newPool = createSyncPool(
    { connectionString: environment.databaseUrl, max: 4, application_name: 'strangler-sync' },
    (error: Error) => logger.warn('sync: connection lost', errorDetails(error)),
  );
  closers.push(['sync pool', () => newPool.end()]);
  const sync = createSyncRuntime({
    newPool,
    legacy: legacySide.engine,
    ownership: config.syncOwnership,
    relay: { idlePollMs: config.syncIdlePollMs },
    poller: { idlePollMs: config.syncIdlePollMs },
    logger: logger.child({ component: 'sync' }),
    registry: metrics.registry,
  });
  return { sync, syncApi: { runtime: sync, pool: newPool }, outboxOn: true };
}

/** Sync status for QA and operators, and the operator's dead-letter replay (README.md, "Going further": docs/operations.md). */
export function mountSyncApi(
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
