import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

import { migrateListToLatest } from '../../src/sync/own-migrator.ts';
import type { MigrationList } from '../../src/sync/own-migrator.ts';
import { SYNC_ENTITIES } from '../../src/sync/sync-entities.ts';
import type { SyncEntity } from '../../src/sync/sync-entities.ts';

/**
 * Sync objects in the legacy stand-in (PostgreSQL, schema dbo), run after the base legacy migrations:
 *  - `SyncAppliedEvents`: one row per outbox event applied, so a replayed event is a no-op;
 *  - `SyncChangeLog`: the stand-in's change feed, the role SQL Server Change Tracking plays on Azure SQL.
 *    A row trigger records every write with the origin read from the transaction-local setting
 *    `strangler.origin` (the relay sets it to `sync`, the analogue of CHANGE_TRACKING_CONTEXT), and the
 *    writing transaction's id, so the poller only reads transactions that can no longer commit behind it;
 *  - `SyncTombstones`: the keys deleted, which the relay's upserts never re-create.
 */
/** The advisory lock that numbers commits one at a time (any constant unique to this use). */
const COMMIT_ORDER_LOCK = 7_361_902_114;

const migrations: Record<string, Migration> = {
  '2026-11-21-001-sync-applied-events': {
    async up(db) {
      await sql`CREATE SCHEMA IF NOT EXISTS dbo`.execute(db);
      await sql`
        CREATE TABLE dbo."SyncAppliedEvents" (
          "EventId" uuid PRIMARY KEY,
          "Entity" varchar(64) NOT NULL,
          "EntityKey" varchar(64) NOT NULL,
          "Version" bigint NOT NULL,
          "AppliedAt" timestamp(6) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
        )`.execute(db);
    },
    async down(db) {
      await sql`DROP TABLE IF EXISTS dbo."SyncAppliedEvents"`.execute(db);
    },
  },
  '2026-11-21-002-sync-change-log': {
    async up(db) {
      await sql`
        CREATE TABLE dbo."SyncChangeLog" (
          "Seq" bigserial PRIMARY KEY,
          "TxId" bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
          "TableName" varchar(128) NOT NULL,
          "EntityKey" varchar(64) NOT NULL,
          "Operation" char(1) NOT NULL,
          "Version" bigint NOT NULL,
          "Origin" varchar(32) NOT NULL,
          "ChangedAt" timestamptz NOT NULL DEFAULT clock_timestamp()
        )`.execute(db);
      await sql`CREATE INDEX "SyncChangeLog_TxId_Seq" ON dbo."SyncChangeLog" ("TxId", "Seq")`.execute(db);
      await sql`
        CREATE FUNCTION dbo."SyncRecordChange"() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE
          changed jsonb;
        BEGIN
          IF TG_OP = 'DELETE' THEN changed := to_jsonb(OLD); ELSE changed := to_jsonb(NEW); END IF;
          INSERT INTO dbo."SyncChangeLog" ("TableName", "EntityKey", "Operation", "Version", "Origin")
          VALUES (
            TG_TABLE_NAME,
            lower(changed ->> TG_ARGV[0]),
            left(TG_OP, 1),
            (changed ->> 'Version')::bigint,
            coalesce(nullif(current_setting('strangler.origin', true), ''), 'app')
          );
          RETURN NULL;
        END
        $fn$`.execute(db);
      for (const entity of SYNC_ENTITIES) {
        await sql`
          CREATE TRIGGER "SyncChangeLog" AFTER INSERT OR UPDATE OR DELETE ON ${sql.table(`dbo.${entity.legacyTable}`)}
          FOR EACH ROW EXECUTE FUNCTION dbo."SyncRecordChange"(${sql.lit(entity.key.legacyName)})`.execute(
          db,
        );
      }
    },
    async down(db) {
      for (const entity of SYNC_ENTITIES) {
        await sql`DROP TRIGGER IF EXISTS "SyncChangeLog" ON ${sql.table(`dbo.${entity.legacyTable}`)}`.execute(
          db,
        );
      }
      await sql`DROP FUNCTION IF EXISTS dbo."SyncRecordChange"()`.execute(db);
      await sql`DROP TABLE IF EXISTS dbo."SyncChangeLog"`.execute(db);
    },
  },
  '2026-11-21-003-statement-level-change-log': {
    // One INSERT ... SELECT per statement from its transition table instead of one per row: the relay
    // writes a batch of rows in one statement, and a per-row trigger was a third of its legacy time.
    // Transition tables allow one event per trigger, hence three triggers per table.
    async up(db) {
      await recordChangesFunction('CREATE', false).execute(db);
      for (const entity of SYNC_ENTITIES) {
        const table = sql.table(`dbo.${entity.legacyTable}`);
        await sql`DROP TRIGGER "SyncChangeLog" ON ${table}`.execute(db);
        for (const event of ['Insert', 'Update', 'Delete'] as const) {
          await createStatementTrigger(db, entity, `SyncChangeLog${event}`, event, 'SyncRecordChanges');
        }
      }
    },
    async down(db) {
      for (const entity of SYNC_ENTITIES) {
        const table = sql.table(`dbo.${entity.legacyTable}`);
        await dropTriggers(db, entity, ['SyncChangeLogInsert', 'SyncChangeLogUpdate', 'SyncChangeLogDelete']);
        await sql`
          CREATE TRIGGER "SyncChangeLog" AFTER INSERT OR UPDATE OR DELETE ON ${table}
          FOR EACH ROW EXECUTE FUNCTION dbo."SyncRecordChange"(${sql.lit(entity.key.legacyName)})`.execute(
          db,
        );
      }
      await sql`DROP FUNCTION IF EXISTS dbo."SyncRecordChanges"()`.execute(db);
    },
  },
  '2026-11-22-004-sync-applied-events-age': {
    // The relay deletes applied-event records past the outbox's retention, oldest first.
    async up(db) {
      await sql`CREATE INDEX "IX_SyncAppliedEvents_AppliedAt" ON dbo."SyncAppliedEvents" ("AppliedAt")`.execute(
        db,
      );
    },
    async down(db) {
      await sql`DROP INDEX dbo."IX_SyncAppliedEvents_AppliedAt"`.execute(db);
    },
  },
  '2026-11-22-005-sync-applied-events-outcome': {
    // A lost write's outcome and rows, so a redelivered event reports the loss again (src/sync/kept-outcome.ts).
    async up(db) {
      await sql`ALTER TABLE dbo."SyncAppliedEvents" ADD COLUMN "Outcome" varchar(16), ADD COLUMN "Detail" jsonb`.execute(
        db,
      );
    },
    async down(db) {
      await sql`ALTER TABLE dbo."SyncAppliedEvents" DROP COLUMN "Outcome", DROP COLUMN "Detail"`.execute(db);
    },
  },
  '2026-12-06-006-sync-tombstones': {
    // A deleted key stays deleted: the relay never re-inserts a key listed here (docs/sync.md, deletes).
    // Legacy's own insert of the key removes its tombstone. Kept as long as the applied-event records.
    async up(db) {
      await sql`
        CREATE TABLE dbo."SyncTombstones" (
          "TableName" varchar(128) NOT NULL,
          "EntityKey" varchar(64) NOT NULL,
          "Version" bigint NOT NULL,
          "Origin" varchar(32) NOT NULL,
          "DeletedAt" timestamp(6) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
          PRIMARY KEY ("TableName", "EntityKey")
        )`.execute(db);
      await sql`CREATE INDEX "IX_SyncTombstones_DeletedAt" ON dbo."SyncTombstones" ("DeletedAt")`.execute(db);
      await sql`
        CREATE FUNCTION dbo."SyncRecordTombstones"() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
          IF TG_OP = 'DELETE' THEN
            EXECUTE format(
              'INSERT INTO dbo."SyncTombstones" ("TableName", "EntityKey", "Version", "Origin") '
              || 'SELECT %L, lower(r.%I::text), r."Version", %L FROM old_rows AS r '
              || 'ON CONFLICT ("TableName", "EntityKey") DO UPDATE SET "Version" = EXCLUDED."Version", '
              || '"Origin" = EXCLUDED."Origin", "DeletedAt" = EXCLUDED."DeletedAt"',
              TG_TABLE_NAME, TG_ARGV[0],
              coalesce(nullif(current_setting('strangler.origin', true), ''), 'app'));
          ELSE
            EXECUTE format(
              'DELETE FROM dbo."SyncTombstones" AS d USING new_rows AS r '
              || 'WHERE d."TableName" = %L AND d."EntityKey" = lower(r.%I::text)',
              TG_TABLE_NAME, TG_ARGV[0]);
          END IF;
          RETURN NULL;
        END
        $fn$`.execute(db);
      for (const entity of SYNC_ENTITIES) {
        await createStatementTrigger(db, entity, 'SyncTombstoneDelete', 'Delete', 'SyncRecordTombstones');
        await createStatementTrigger(db, entity, 'SyncTombstoneInsert', 'Insert', 'SyncRecordTombstones');
      }
    },
    async down(db) {
      for (const entity of SYNC_ENTITIES) {
        await dropTriggers(db, entity, ['SyncTombstoneDelete', 'SyncTombstoneInsert']);
      }
      await sql`DROP FUNCTION IF EXISTS dbo."SyncRecordTombstones"()`.execute(db);
      await sql`DROP TABLE IF EXISTS dbo."SyncTombstones"`.execute(db);
    },
  },
  '2026-12-06-007-commit-order': {
    // Transaction ids are handed out when a transaction first writes, not when it commits, so reading
    // the log in TxId order can hand on a child before the parent whose transaction began later. A
    // deferred trigger numbers each writing transaction at commit instead, one at a time (a transaction
    // lock held until the commit is visible), so a reader that sees number n sees every number below it.
    async up(db) {
      await sql`CREATE SEQUENCE dbo."SyncCommitSeq"`.execute(db);
      await sql`
        CREATE TABLE dbo."SyncTransactions" (
          "TxId" bigint PRIMARY KEY,
          "CommitSeq" bigint UNIQUE
        )`.execute(db);
      // What the log holds already was read in TxId order: numbered in that order, old checkpoints map onto it.
      await sql`
        INSERT INTO dbo."SyncTransactions" ("TxId", "CommitSeq")
        SELECT "TxId", nextval('dbo."SyncCommitSeq"') FROM (SELECT DISTINCT "TxId" FROM dbo."SyncChangeLog" ORDER BY 1) t`.execute(
        db,
      );
      await sql`
        CREATE FUNCTION dbo."SyncNumberCommit"() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
          PERFORM pg_advisory_xact_lock(${sql.lit(COMMIT_ORDER_LOCK)});
          UPDATE dbo."SyncTransactions" SET "CommitSeq" = nextval('dbo."SyncCommitSeq"') WHERE "TxId" = NEW."TxId";
          RETURN NULL;
        END
        $fn$`.execute(db);
      await sql`
        CREATE CONSTRAINT TRIGGER "SyncNumberCommit" AFTER INSERT ON dbo."SyncTransactions"
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dbo."SyncNumberCommit"()`.execute(db);
      await recordChangesFunction('CREATE OR REPLACE', true).execute(db);
    },
    async down(db) {
      await recordChangesFunction('CREATE OR REPLACE', false).execute(db);
      await sql`DROP TABLE dbo."SyncTransactions"`.execute(db);
      await sql`DROP FUNCTION dbo."SyncNumberCommit"()`.execute(db);
      await sql`DROP SEQUENCE dbo."SyncCommitSeq"`.execute(db);
    },
  },
};

/**
 * A statement-level trigger on an entity's legacy table: `fn` reads the statement's rows from the
 * transition table (`new_rows`, or `old_rows` for a delete) and gets the key column's name.
 */
async function createStatementTrigger(
  db: Kysely<unknown>,
  entity: SyncEntity,
  name: string,
  event: 'Insert' | 'Update' | 'Delete',
  fn: string,
): Promise<void> {
  const rows = event === 'Delete' ? sql`OLD TABLE AS old_rows` : sql`NEW TABLE AS new_rows`;
  await sql`CREATE TRIGGER ${sql.id(name)} AFTER ${sql.raw(event.toUpperCase())}
    ON ${sql.table(`dbo.${entity.legacyTable}`)} REFERENCING ${rows}
    FOR EACH STATEMENT EXECUTE FUNCTION ${sql.id('dbo', fn)}(${sql.lit(entity.key.legacyName)})`.execute(db);
}

async function dropTriggers(
  db: Kysely<unknown>,
  entity: SyncEntity,
  names: readonly string[],
): Promise<void> {
  for (const name of names) {
    await sql`DROP TRIGGER IF EXISTS ${sql.id(name)} ON ${sql.table(`dbo.${entity.legacyTable}`)}`.execute(
      db,
    );
  }
}

/**
 * The statement-level trigger function: one log row per changed row, from the statement's transition
 * table; with `numbered`, the writing transaction is also entered for its commit number.
 */
function recordChangesFunction(create: 'CREATE' | 'CREATE OR REPLACE', numbered: boolean) {
  // A statement that changed no row (an UPDATE matching nothing) numbers nothing and waits for no commit.
  const enter = numbered
    ? sql`GET DIAGNOSTICS logged = ROW_COUNT;
      IF logged > 0 THEN
        INSERT INTO dbo."SyncTransactions" ("TxId") VALUES (pg_current_xact_id()::text::bigint)
        ON CONFLICT ("TxId") DO NOTHING;
      END IF;`
    : sql``;
  return sql`
    ${sql.raw(create)} FUNCTION dbo."SyncRecordChanges"() RETURNS trigger LANGUAGE plpgsql AS $fn$
    ${numbered ? sql`DECLARE logged bigint;` : sql``}
    BEGIN
      EXECUTE format(
        'INSERT INTO dbo."SyncChangeLog" ("TableName", "EntityKey", "Operation", "Version", "Origin") '
        || 'SELECT %L, lower(r.%I::text), %L, r."Version", %L FROM %I AS r',
        TG_TABLE_NAME, TG_ARGV[0], left(TG_OP, 1),
        coalesce(nullif(current_setting('strangler.origin', true), ''), 'app'),
        CASE WHEN TG_OP = 'DELETE' THEN 'old_rows' ELSE 'new_rows' END);
      ${enter}
      RETURN NULL;
    END
    $fn$`;
}

const LEGACY_SYNC_MIGRATIONS: MigrationList = {
  name: 'legacy sync migrations',
  schema: 'dbo',
  table: 'SyncMigrations',
  lockTable: 'SyncMigrationsLock',
  migrations,
};

export async function migrateLegacySyncToLatest(db: Kysely<unknown>): Promise<void> {
  await migrateListToLatest(db, LEGACY_SYNC_MIGRATIONS);
}
