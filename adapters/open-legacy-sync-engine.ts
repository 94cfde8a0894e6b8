import type pg from 'pg';

import { engineForUrl } from './database.ts';
import { createMssqlLegacySyncEngine } from './mssql/sync-engine.ts';
import { createMssqlPool } from './mssql/pool.ts';
import { createMssqlSyncConnector } from './mssql/sync-connector.ts';
import { createPostgresLegacySyncEngine } from './postgres/sync-engine.ts';
import type { LegacySyncEngine } from '../src/sync/sync-engine.ts';
import { createSyncPool } from '../src/sync/sync-pool.ts';

export interface OpenedLegacySyncEngine {
  readonly engine: LegacySyncEngine;
  /** The stand-in's pool (PostgreSQL only): for its sync migrations. */
  readonly pool: pg.Pool | undefined;
  close(): Promise<void>;
}

/**
 * The legacy side of the sync for a LEGACY_DATABASE_URL: postgres:// is the stand-in; mssql:// or an
 * ADO.NET connection string is SQL Server / Azure SQL (its statements are snapshot-tested; run the sync
 * suite against a real server by pointing LEGACY_DATABASE_URL at it). For composition roots only
 * (src/main.ts, scripts).
 */
export function openLegacySyncEngine(
  url: string,
  options: { poolMax?: number; applicationName?: string } = {},
): OpenedLegacySyncEngine {
  if (engineForUrl(url) === 'mssql') {
    const pool = createMssqlPool(url, options);
    return {
      engine: createMssqlLegacySyncEngine(createMssqlSyncConnector(pool)),
      pool: undefined,
      close: () => pool.close(),
    };
  }
  const pool = createSyncPool(
    {
      connectionString: url,
      max: options.poolMax ?? 4,
      // Server-side: a statement stuck behind a lock is cancelled and the connection stays usable. (pg's
      // client-side query_timeout is not used: it leaves the connection waiting on the abandoned query,
      // which stalled the relay in the outage test.)
      statement_timeout: 30_000,
      application_name: options.applicationName ?? 'strangler-sync',
    },
    // The loop using the connection sees the failure on its next query and backs off.
    () => undefined,
  );
  return { engine: createPostgresLegacySyncEngine(pool), pool, close: () => pool.end() };
}
