import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

import { migrateLegacyToLatest, migrateNewToLatest } from '../../../adapters/migrations.ts';
import { migrateLegacySyncToLatest } from '../../../adapters/postgres/sync-migrations.ts';
import { createTestDatabase } from '../../testing/test-database.ts';
import type { TestDatabase } from '../../testing/test-database.ts';
import type { LegacyDatabase, NewDatabase } from '../../../adapters/schema.ts';
import { migrateSyncToLatest } from '../sync-migrations.ts';

/**
 * A real new database and a real legacy stand-in, each a throw-away PostgreSQL database with the entity
 * schema (the data layer's DDL) and the sync's own migrations, as the sync sees them in production.
 */
export interface SyncTestDatabases {
  readonly newDb: TestDatabase;
  readonly legacyDb: TestDatabase;
  readonly newPool: pg.Pool;
  readonly legacyPool: pg.Pool;
  /** Empties every entity and sync table on both sides, for a fresh start per test. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function createSyncTestDatabases(
  options: { poolMax?: number } = {},
): Promise<SyncTestDatabases> {
  const newDb = await createTestDatabase('sync_new');
  const legacyDb = await createTestDatabase('sync_legacy');
  await migrate(newDb.url, async (db) => {
    await migrateNewToLatest(db as Kysely<NewDatabase>);
    await migrateSyncToLatest(db);
  });
  await migrate(legacyDb.url, async (db) => {
    await migrateLegacyToLatest(db as Kysely<LegacyDatabase>);
    await migrateLegacySyncToLatest(db);
  });
  const newPool = new pg.Pool({ connectionString: newDb.url, max: options.poolMax ?? 4 });
  const legacyPool = new pg.Pool({ connectionString: legacyDb.url, max: options.poolMax ?? 4 });
  for (const pool of [newPool, legacyPool]) pool.on('error', () => undefined);
  return {
    newDb,
    legacyDb,
    newPool,
    legacyPool,
    async reset() {
      await newPool.query(
        `TRUNCATE strangler.sync_outbox, strangler.sync_audit, strangler.sync_conflicts,
           strangler.sync_checkpoints, strangler.sync_dead_letters, strangler.recon_run,
           strangler.recon_mismatch, strangler.sync_held_changes, wellness_entries, athletes, squads CASCADE`,
      );
      await legacyPool.query(
        'TRUNCATE dbo."SyncAppliedEvents", dbo."SyncChangeLog", dbo."SyncTombstones", dbo."SyncTransactions", dbo."WellnessEntries", dbo."Athletes", dbo."Squads"',
      );
    },
    async close() {
      await Promise.all([newPool.end(), legacyPool.end()]);
      await Promise.all([newDb.drop(), legacyDb.drop()]);
    },
  };
}

/** Entity schema (adapters/migrations.ts), then the sync's own, in that order: triggers need the tables. */
async function migrate(url: string, run: (db: Kysely<unknown>) => Promise<void>): Promise<void> {
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
  });
  try {
    await run(db);
  } finally {
    await db.destroy();
  }
}
