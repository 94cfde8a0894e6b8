import type { StatementMigration } from '../../adapters/migrations.ts';
import { stateMigrations } from '../state-migrations.ts';

/*
 * The QA workflow's own tables in schema `strangler` (rules, decisions, audit), with their own kysely
 * Migrator and migration table so no other subsystem's migration list is touched.
 * The reports also read the shadow store's tables (src/shadow/store/shadow-migrations.ts): run
 * migrateShadowStoreToLatest as well. Nothing here references them by foreign key, so either order
 * works and rolling the QA tables back never touches shadow data.
 */
const statements: Readonly<Record<string, StatementMigration>> = {
  '0001-qa-workflow': {
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
  // Sessions are signed, stateless cookies; one signed out is listed here until it would have expired,
  // so a copy of its cookie (a shared machine, a leaked header) stops working on every replica at once.
  '0002-qa-session-revocation': {
    up: [
      `CREATE TABLE strangler.qa_session_revocation (
         session_id text PRIMARY KEY,
         revoked_at timestamptz NOT NULL DEFAULT now(),
         expires_at timestamptz NOT NULL)`,
      'CREATE INDEX qa_session_revocation_expires_idx ON strangler.qa_session_revocation (expires_at)',
    ],
    down: ['DROP TABLE strangler.qa_session_revocation'],
  },
  // What an accepted group's rule says is equivalent, per difference (AcceptedDifference in
  // src/shadow/accepted-differences.ts). Null for rules accepted before: they ignore their paths.
  '0003-qa-rule-equivalences': {
    up: ['ALTER TABLE strangler.qa_rule ADD COLUMN equivalences jsonb'],
    down: ['ALTER TABLE strangler.qa_rule DROP COLUMN equivalences'],
  },
};

export const QA_MIGRATION_TABLE = 'qa_reports_migration';

export const { toLatest: migrateQaReportsToLatest, down: migrateQaReportsDown } = stateMigrations(
  QA_MIGRATION_TABLE,
  statements,
);
