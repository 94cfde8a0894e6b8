import { sql, type Kysely } from 'kysely';
import { Migrator, NO_MIGRATIONS, type Migration, type MigrationResult } from 'kysely/migration';

/*
 * The QA workflow's own tables in schema `strangler`, with their own kysely Migrator and migration
 * table so no other subsystem's migration list is touched (notes/names.md).
 *
 * `0001-shadow-store` is the minimal shadow store the reports read (per-route per-minute counters,
 * diff groups, samples). It is here because the shadow store of src/shadow had not landed when the
 * reports were written; it uses IF NOT EXISTS so it coexists with an identical store created first.
 * Latency histograms have one slot per LATENCY_BOUNDS_MS entry plus the open-ended one (14), filled
 * up front because assigning past the end of an empty PostgreSQL array shifts its lower bound.
 */
const statements: Readonly<
  Record<string, { readonly up: readonly string[]; readonly down: readonly string[] }>
> = {
  '0001-shadow-store': {
    up: [
      'CREATE SCHEMA IF NOT EXISTS strangler',
      `CREATE TABLE IF NOT EXISTS strangler.shadow_minute (
         route_id text NOT NULL,
         minute timestamptz NOT NULL,
         match integer NOT NULL DEFAULT 0,
         mismatch integer NOT NULL DEFAULT 0,
         noise integer NOT NULL DEFAULT 0,
         error integer NOT NULL DEFAULT 0,
         skipped integer NOT NULL DEFAULT 0,
         legacy_latency_buckets integer[] NOT NULL DEFAULT array_fill(0, ARRAY[14]),
         new_latency_buckets integer[] NOT NULL DEFAULT array_fill(0, ARRAY[14]),
         PRIMARY KEY (route_id, minute))`,
      `CREATE TABLE IF NOT EXISTS strangler.shadow_group (
         id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
         route_id text NOT NULL,
         fingerprint text NOT NULL,
         paths jsonb NOT NULL,
         count bigint NOT NULL DEFAULT 0,
         first_seen timestamptz NOT NULL,
         last_seen timestamptz NOT NULL,
         status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'defect')),
         UNIQUE (route_id, fingerprint))`,
      `CREATE TABLE IF NOT EXISTS strangler.shadow_sample (
         id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
         group_id uuid NOT NULL REFERENCES strangler.shadow_group(id) ON DELETE CASCADE,
         captured_at timestamptz NOT NULL,
         request jsonb NOT NULL,
         legacy jsonb NOT NULL,
         candidate jsonb NOT NULL,
         diffs jsonb NOT NULL,
         noise jsonb NOT NULL DEFAULT '[]')`,
      'CREATE INDEX IF NOT EXISTS shadow_sample_group_idx ON strangler.shadow_sample (group_id, captured_at DESC)',
    ],
    down: [
      'DROP TABLE IF EXISTS strangler.shadow_sample',
      'DROP TABLE IF EXISTS strangler.shadow_group',
      'DROP TABLE IF EXISTS strangler.shadow_minute',
    ],
  },
  '0002-qa-workflow': {
    up: [
      'CREATE SCHEMA IF NOT EXISTS strangler',
      // An accepted group becomes a rule; revoking keeps the row (who, when, why) for the audit trail.
      `CREATE TABLE strangler.qa_rule (
         id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
         route_id text NOT NULL,
         group_id uuid NOT NULL,
         fingerprint text NOT NULL,
         paths jsonb NOT NULL,
         reason text NOT NULL,
         created_by text NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now(),
         revoked_at timestamptz,
         revoked_by text,
         revoke_reason text)`,
      'CREATE INDEX qa_rule_active_idx ON strangler.qa_rule (route_id) WHERE revoked_at IS NULL',
      // At most one active rule per group: a double click or two replicas cannot accept twice.
      'CREATE UNIQUE INDEX qa_rule_one_active_per_group ON strangler.qa_rule (group_id) WHERE revoked_at IS NULL',
      `CREATE TABLE strangler.qa_decision (
         group_id uuid PRIMARY KEY,
         status text NOT NULL CHECK (status IN ('open', 'accepted', 'defect')),
         note text,
         link text,
         decided_by text NOT NULL,
         decided_at timestamptz NOT NULL DEFAULT now())`,
      `CREATE TABLE strangler.qa_audit (
         id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         at timestamptz NOT NULL DEFAULT now(),
         actor text NOT NULL,
         role text NOT NULL,
         action text NOT NULL,
         route_id text,
         group_id uuid,
         rule_id uuid,
         detail jsonb NOT NULL DEFAULT '{}')`,
      'CREATE INDEX qa_audit_route_idx ON strangler.qa_audit (route_id, at DESC)',
    ],
    down: [
      'DROP TABLE strangler.qa_audit',
      'DROP TABLE strangler.qa_decision',
      'DROP TABLE strangler.qa_rule',
    ],
  },
};

export const QA_MIGRATION_TABLE = 'qa_reports_migration';

function migrations(): Record<string, Migration> {
  const out: Record<string, Migration> = {};
  for (const [name, m] of Object.entries(statements)) {
    out[name] = {
      async up(db) {
        for (const s of m.up) await sql.raw(s).execute(db);
      },
      async down(db) {
        for (const s of m.down) await sql.raw(s).execute(db);
      },
    };
  }
  return out;
}

function migratorFor(db: Kysely<unknown>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations() },
    migrationTableSchema: 'strangler',
    migrationTableName: QA_MIGRATION_TABLE,
    migrationLockTableName: `${QA_MIGRATION_TABLE}_lock`,
  });
}

async function ensureSchema(db: Kysely<unknown>): Promise<void> {
  // The Migrator creates its table inside `strangler`, before the first migration could create it.
  await sql`CREATE SCHEMA IF NOT EXISTS strangler`.execute(db);
}

export async function migrateQaReportsToLatest(db: Kysely<unknown>): Promise<readonly MigrationResult[]> {
  await ensureSchema(db);
  const { error, results } = await migratorFor(db).migrateToLatest();
  if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
  return results ?? [];
}

export async function migrateQaReportsDown(db: Kysely<unknown>): Promise<void> {
  const { error } = await migratorFor(db).migrateTo(NO_MIGRATIONS);
  if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
}
