import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

import { migrateListToLatest } from './own-migrator.ts';
import type { MigrationList } from './own-migrator.ts';

/** What the audit trail and the conflicts both say of a change: its direction, its row and its event. */
const CHANGE_COLUMNS = sql`direction text NOT NULL, entity text NOT NULL, entity_key text NOT NULL, event_id uuid`;

/** The first migration's statements, in order. */
const SYNC_TABLES = [
  sql`CREATE SCHEMA IF NOT EXISTS strangler`,
  sql`
    CREATE TABLE strangler.sync_outbox (
      id bigserial PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
      entity text NOT NULL,
      entity_key text NOT NULL,
      operation text NOT NULL CHECK (operation IN ('upsert', 'delete')),
      version bigint NOT NULL,
      payload jsonb,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_error text,
      outcome text,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      done_at timestamptz
    )`,
  // The claim's "no earlier pending event for this key" probe and its scan both stay on small
  // partial indexes however many done rows the table keeps until retention removes them.
  sql`CREATE INDEX sync_outbox_pending_key ON strangler.sync_outbox (entity, entity_key, id)
    WHERE status = 'pending'`,
  sql`CREATE INDEX sync_outbox_pending_id ON strangler.sync_outbox (id) WHERE status = 'pending'`,
  sql`CREATE INDEX sync_outbox_done_at ON strangler.sync_outbox (done_at) WHERE status = 'done'`,
  sql`
    CREATE TABLE strangler.sync_dead_letters (
      event_id uuid PRIMARY KEY,
      outbox_id bigint NOT NULL,
      entity text NOT NULL,
      entity_key text NOT NULL,
      operation text NOT NULL,
      version bigint NOT NULL,
      payload jsonb,
      attempts integer NOT NULL,
      last_error text NOT NULL,
      created_at timestamptz NOT NULL,
      dead_at timestamptz NOT NULL DEFAULT now(),
      replayed_at timestamptz,
      replayed_by text
    )`,
  sql`
    CREATE TABLE strangler.sync_audit (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      ${CHANGE_COLUMNS},
      version bigint,
      outcome text NOT NULL,
      actor text NOT NULL DEFAULT 'sync',
      detail jsonb
    )`,
  sql`CREATE INDEX sync_audit_at ON strangler.sync_audit (at)`,
  sql`CREATE INDEX sync_audit_key ON strangler.sync_audit (entity, entity_key, at)`,
  sql`
    CREATE TABLE strangler.sync_conflicts (
      id bigserial PRIMARY KEY,
      detected_at timestamptz NOT NULL DEFAULT now(),
      ${CHANGE_COLUMNS},
      owner text NOT NULL,
      incoming_version bigint,
      incoming_row jsonb,
      current_version bigint,
      current_row jsonb,
      resolved_at timestamptz,
      resolution text
    )`,
  sql`CREATE INDEX sync_conflicts_open ON strangler.sync_conflicts (detected_at) WHERE resolved_at IS NULL`,
  sql`
    CREATE TABLE strangler.sync_checkpoints (
      feed text PRIMARY KEY,
      position jsonb NOT NULL,
      last_change_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      last_error text
    )`,
];

/**
 * Sync state in the new PostgreSQL database, schema `strangler`, under its own migration table so the
 * other subsystems' migration lists never interleave with this one.
 */
const migrations: Record<string, Migration> = {
  '2026-11-21-001-sync-outbox': {
    async up(db) {
      for (const statement of SYNC_TABLES) await statement.execute(db);
    },
    async down(db) {
      for (const table of [
        'sync_checkpoints',
        'sync_conflicts',
        'sync_audit',
        'sync_dead_letters',
        'sync_outbox',
      ]) {
        await sql`DROP TABLE IF EXISTS ${sql.table(`strangler.${table}`)}`.execute(db);
      }
    },
  },
  '2026-11-21-002-reconciliation': {
    async up(db) {
      await sql`
        CREATE TABLE strangler.recon_run (
          id bigserial PRIMARY KEY,
          entity text NOT NULL,
          started_at timestamptz NOT NULL DEFAULT now(),
          finished_at timestamptz,
          status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
          legacy_rows bigint,
          new_rows bigint,
          buckets integer NOT NULL,
          differing_buckets integer,
          missing_in_legacy integer,
          missing_in_new integer,
          different integer,
          repaired integer NOT NULL DEFAULT 0,
          actor text NOT NULL,
          error text
        )`.execute(db);
      await sql`
        CREATE TABLE strangler.recon_mismatch (
          id bigserial PRIMARY KEY,
          run_id bigint NOT NULL REFERENCES strangler.recon_run (id) ON DELETE CASCADE,
          entity text NOT NULL,
          entity_key text NOT NULL,
          kind text NOT NULL CHECK (kind IN ('missing_in_legacy', 'missing_in_new', 'different')),
          legacy_row jsonb,
          new_row jsonb,
          repaired_at timestamptz
        )`.execute(db);
      await sql`CREATE INDEX recon_mismatch_run ON strangler.recon_mismatch (run_id)`.execute(db);
      await sql`
        CREATE TABLE strangler.backfill_run (
          id bigserial PRIMARY KEY,
          entity text NOT NULL,
          direction text NOT NULL,
          actor text NOT NULL,
          started_at timestamptz NOT NULL DEFAULT now(),
          finished_at timestamptz,
          status text NOT NULL DEFAULT 'running',
          last_key text,
          rows_read bigint NOT NULL DEFAULT 0,
          rows_written bigint NOT NULL DEFAULT 0,
          checksum text,
          recon_run_id bigint REFERENCES strangler.recon_run (id)
        )`.execute(db);
    },
    async down(db) {
      await sql`DROP TABLE IF EXISTS strangler.backfill_run`.execute(db);
      await sql`DROP TABLE IF EXISTS strangler.recon_mismatch`.execute(db);
      await sql`DROP TABLE IF EXISTS strangler.recon_run`.execute(db);
    },
  },
  '2026-11-21-003-conflict-kind': {
    // The owner's write can lose too (a concurrent non-owner write got a higher version first): kept
    // apart from the non-owner's losses, but recorded all the same, so no losing write is only audited.
    async up(db) {
      await sql`ALTER TABLE strangler.sync_conflicts ADD COLUMN kind text NOT NULL DEFAULT 'non_owner_lost'
        CHECK (kind IN ('non_owner_lost', 'owner_lost'))`.execute(db);
      // One lost write, one row, even when the relay and the poller see the same loss at the same moment.
      await sql`CREATE UNIQUE INDEX sync_conflicts_lost_write ON strangler.sync_conflicts
        (entity, entity_key, incoming_version, md5(incoming_row::text))`.execute(db);
    },
    async down(db) {
      await sql`DROP INDEX strangler.sync_conflicts_lost_write`.execute(db);
      await sql`ALTER TABLE strangler.sync_conflicts DROP COLUMN kind`.execute(db);
    },
  },
  '2026-11-22-004-rejected-changes': {
    // A change the target refuses (a unique or foreign-key constraint) is a conflict of its own kind,
    // stored with the database's error, instead of a batch retried forever.
    async up(db) {
      await sql`ALTER TABLE strangler.sync_conflicts DROP CONSTRAINT sync_conflicts_kind_check`.execute(db);
      await sql`ALTER TABLE strangler.sync_conflicts ADD CONSTRAINT sync_conflicts_kind_check
        CHECK (kind IN ('non_owner_lost', 'owner_lost', 'rejected'))`.execute(db);
      await sql`ALTER TABLE strangler.sync_conflicts ADD COLUMN error text`.execute(db);
    },
    async down(db) {
      await sql`DELETE FROM strangler.sync_conflicts WHERE kind = 'rejected'`.execute(db);
      await sql`ALTER TABLE strangler.sync_conflicts DROP COLUMN error`.execute(db);
      await sql`ALTER TABLE strangler.sync_conflicts DROP CONSTRAINT sync_conflicts_kind_check`.execute(db);
      await sql`ALTER TABLE strangler.sync_conflicts ADD CONSTRAINT sync_conflicts_kind_check
        CHECK (kind IN ('non_owner_lost', 'owner_lost'))`.execute(db);
    },
  },
  '2026-12-06-005-checkpoint-caught-up': {
    // Whether the feed's last read found everything applied: the status's lag is zero then, however long
    // ago legacy last changed a row.
    async up(db) {
      await sql`ALTER TABLE strangler.sync_checkpoints ADD COLUMN caught_up boolean NOT NULL DEFAULT false`.execute(
        db,
      );
    },
    async down(db) {
      await sql`ALTER TABLE strangler.sync_checkpoints DROP COLUMN caught_up`.execute(db);
    },
  },
  '2026-12-06-006-held-changes': {
    // Legacy changes the new schema refused for a reason a later change can remove (a parent not yet
    // arrived, a unique value not yet released), held and retried with the batches that follow.
    async up(db) {
      await sql`
        CREATE TABLE strangler.sync_held_changes (
          feed text NOT NULL,
          entity text NOT NULL,
          entity_key text NOT NULL,
          event_id uuid NOT NULL,
          version bigint NOT NULL,
          attempts integer NOT NULL,
          first_refused_at timestamptz NOT NULL DEFAULT clock_timestamp(),
          error text,
          PRIMARY KEY (feed, entity, entity_key)
        )`.execute(db);
    },
    async down(db) {
      await sql`DROP TABLE strangler.sync_held_changes`.execute(db);
    },
  },
};

const SYNC_MIGRATIONS: MigrationList = {
  name: 'sync migrations',
  schema: 'strangler',
  table: 'sync_migrations',
  lockTable: 'sync_migrations_lock',
  migrations,
};

export async function migrateSyncToLatest(db: Kysely<unknown>): Promise<void> {
  await migrateListToLatest(db, SYNC_MIGRATIONS);
}
