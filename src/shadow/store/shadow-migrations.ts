import type { StatementMigration } from '../../../adapters/migrations.ts';
import { stateMigrations } from '../../state-migrations.ts';

/*
 * The shadow store's tables in schema `strangler`, with their own migration table so no other
 * subsystem's migration list is touched. The QA reports read these tables and keep their own
 * (src/qa-reports/qa-migrations.ts).
 */
const statements: Readonly<Record<string, StatementMigration>> = {
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
         legacy_latency_buckets integer[] NOT NULL DEFAULT '{}',
         new_latency_buckets integer[] NOT NULL DEFAULT '{}',
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
      // Retention deletes by age in batches.
      'CREATE INDEX IF NOT EXISTS shadow_sample_captured_idx ON strangler.shadow_sample (captured_at)',
      'CREATE INDEX IF NOT EXISTS shadow_minute_minute_idx ON strangler.shadow_minute (minute)',
      'CREATE INDEX IF NOT EXISTS shadow_group_last_seen_idx ON strangler.shadow_group (last_seen)',
      `ALTER TABLE strangler.shadow_minute
         ADD COLUMN IF NOT EXISTS legacy_latency_sum_ms double precision NOT NULL DEFAULT 0,
         ADD COLUMN IF NOT EXISTS new_latency_sum_ms double precision NOT NULL DEFAULT 0`,
      'ALTER TABLE strangler.shadow_group ADD COLUMN IF NOT EXISTS sample_count integer NOT NULL DEFAULT 0',
      `CREATE TABLE strangler.shadow_noise_route (
         route_id text PRIMARY KEY,
         raw_total bigint NOT NULL DEFAULT 0,
         noise_total bigint NOT NULL DEFAULT 0)`,
      `CREATE TABLE strangler.shadow_noise_field (
         route_id text NOT NULL,
         field text NOT NULL,
         raw_differences bigint NOT NULL DEFAULT 0,
         noise_differences bigint NOT NULL DEFAULT 0,
         PRIMARY KEY (route_id, field))`,
    ],
    // Rolling the shadow store back drops its data, the report tables included (as QA's own down does).
    down: [
      'DROP TABLE IF EXISTS strangler.shadow_noise_field',
      'DROP TABLE IF EXISTS strangler.shadow_noise_route',
      'DROP TABLE IF EXISTS strangler.shadow_sample',
      'DROP TABLE IF EXISTS strangler.shadow_group',
      'DROP TABLE IF EXISTS strangler.shadow_minute',
    ],
  },
  // Why comparisons were skipped or failed, per route and minute (reason codes: SHADOW_REASONS).
  '0002-shadow-outcome-reasons': {
    up: [
      `CREATE TABLE strangler.shadow_minute_reason (
         route_id text NOT NULL,
         minute timestamptz NOT NULL,
         outcome text NOT NULL CHECK (outcome IN ('skipped', 'error')),
         reason text NOT NULL,
         count integer NOT NULL DEFAULT 0,
         PRIMARY KEY (route_id, minute, outcome, reason))`,
      'CREATE INDEX shadow_minute_reason_minute_idx ON strangler.shadow_minute_reason (minute)',
    ],
    down: ['DROP TABLE IF EXISTS strangler.shadow_minute_reason'],
  },
  // Samples as json, not jsonb: jsonb reorders object members (shorter names first), and the routes
  // compare member order (route-defaults.ts `keyOrder`), so a sample exported as a contract fixture
  // (scripts/export-shadow-fixtures.ts) must keep legacy's order. json keeps the text as written.
  // Rows stored before this migration keep the order jsonb gave them.
  '0003-shadow-sample-json': {
    up: [sampleColumnsAs('json')],
    down: [sampleColumnsAs('jsonb')],
  },
  // Who called, for QA: the verified subject and organisation, null for an open route or a refused
  // caller (and for samples stored before). The token itself is never stored.
  '0004-shadow-sample-caller': {
    up: [
      `ALTER TABLE strangler.shadow_sample
         ADD COLUMN caller_subject text,
         ADD COLUMN caller_organisation_id text`,
    ],
    down: [
      `ALTER TABLE strangler.shadow_sample
         DROP COLUMN IF EXISTS caller_subject,
         DROP COLUMN IF EXISTS caller_organisation_id`,
    ],
  },
  // Shadow-eligible requests that never became a comparison: dropped before capture (a full queue, a
  // restarting shadow thread, a full writer) or left out by the sample rate, for the effective sample
  // rate QA sees (compared / eligible).
  '0005-shadow-dropped-unsampled': {
    up: [
      `ALTER TABLE strangler.shadow_minute
         ADD COLUMN dropped integer NOT NULL DEFAULT 0,
         ADD COLUMN unsampled integer NOT NULL DEFAULT 0`,
      `ALTER TABLE strangler.shadow_minute_reason
         DROP CONSTRAINT shadow_minute_reason_outcome_check,
         ADD CONSTRAINT shadow_minute_reason_outcome_check
           CHECK (outcome IN ('skipped', 'error', 'dropped', 'unsampled'))`,
    ],
    down: [
      `DELETE FROM strangler.shadow_minute_reason WHERE outcome IN ('dropped', 'unsampled')`,
      `ALTER TABLE strangler.shadow_minute_reason
         DROP CONSTRAINT shadow_minute_reason_outcome_check,
         ADD CONSTRAINT shadow_minute_reason_outcome_check CHECK (outcome IN ('skipped', 'error'))`,
      'ALTER TABLE strangler.shadow_minute DROP COLUMN dropped, DROP COLUMN unsampled',
    ],
  },
  // A diff group's occurrences per minute: once QA accepts a group, its occurrences in a window leave
  // that window's mismatch count (the minute counters cannot say which group a mismatch was).
  '0006-shadow-group-minute': {
    up: [
      `CREATE TABLE strangler.shadow_group_minute (
         group_id uuid NOT NULL REFERENCES strangler.shadow_group(id) ON DELETE CASCADE,
         minute timestamptz NOT NULL,
         count integer NOT NULL DEFAULT 0,
         PRIMARY KEY (group_id, minute))`,
      'CREATE INDEX shadow_group_minute_minute_idx ON strangler.shadow_group_minute (minute)',
    ],
    down: ['DROP TABLE IF EXISTS strangler.shadow_group_minute'],
  },
  // Reads whose difference was gone once the dual-write sync had caught up (outcome `sync-lag`): counted
  // apart from mismatches, as comparisons that agreed.
  '0007-shadow-sync-lag': {
    up: ['ALTER TABLE strangler.shadow_minute ADD COLUMN sync_lag integer NOT NULL DEFAULT 0'],
    down: ['ALTER TABLE strangler.shadow_minute DROP COLUMN sync_lag'],
  },
};

export const SHADOW_MIGRATION_TABLE = 'shadow_store_migration';

export const { toLatest: migrateShadowStoreToLatest, down: migrateShadowStoreDown } = stateMigrations(
  SHADOW_MIGRATION_TABLE,
  statements,
);

/** The sample's JSON columns converted to `type`, what they hold included. */
function sampleColumnsAs(type: 'json' | 'jsonb'): string {
  const changes = ['request', 'legacy', 'candidate', 'diffs'].map(
    (column) => `ALTER COLUMN ${column} TYPE ${type} USING ${column}::${type}`,
  );
  // noise's default has the old type: it goes before the column changes and comes back after.
  changes.push(
    'ALTER COLUMN noise DROP DEFAULT',
    `ALTER COLUMN noise TYPE ${type} USING noise::${type}`,
    `ALTER COLUMN noise SET DEFAULT '[]'::${type}`,
  );
  return `ALTER TABLE strangler.shadow_sample ${changes.join(', ')}`;
}
