import type pg from 'pg';

import { legacyStandInTarget } from '../../src/sync/pg-sync-sql.ts';
import { createPgRowReader } from '../../src/sync/pg-row-reader.ts';
import type { LegacyRowReader } from '../../src/sync/sync-engine.ts';

/** Canonical rows from the legacy stand-in (reconciliation, full re-sync, backfill). */
export function createPostgresLegacyReader(pool: Pick<pg.Pool, 'query'>): LegacyRowReader {
  return createPgRowReader(pool, legacyStandInTarget);
}
