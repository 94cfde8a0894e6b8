import type { ColumnType, Generated } from 'kysely';
import type { AcceptedDifference } from '../shadow/accepted-differences.ts';
import type { ShadowDatabase } from '../shadow/store/shadow-tables.ts';
import { LATENCY_BUCKET_BOUNDS_MS } from '../shadow/store/shadow-tables.ts';

/**
 * kysely view of the tables the reports read and write, all in schema `strangler`: the shadow
 * store's (read; status changed by QA decisions) and QA's own (qa-migrations.ts).
 */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface QaRuleTable {
  id: Generated<string>;
  route_id: string;
  group_id: string;
  fingerprint: string;
  paths: Json<string[]>;
  equivalences: ColumnType<AcceptedDifference[] | null, string | null | undefined, string | null>;
  reason: string;
  created_by: string;
  created_at: Generated<Date>;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoke_reason: string | null;
}

export interface QaDecisionTable {
  group_id: string;
  status: string;
  note: string | null;
  link: string | null;
  decided_by: string;
  decided_at: Timestamp;
}

export interface QaAuditTable {
  id: Generated<string>;
  at: Generated<Date>;
  actor: string;
  role: string;
  action: string;
  route_id: string | null;
  group_id: string | null;
  rule_id: string | null;
  detail: Json<Record<string, unknown>>;
}

export interface QaSessionRevocationTable {
  session_id: string;
  revoked_at: Generated<Date>;
  expires_at: Date;
}

export interface QaDatabase extends ShadowDatabase {
  'strangler.qa_rule': QaRuleTable;
  'strangler.qa_decision': QaDecisionTable;
  'strangler.qa_audit': QaAuditTable;
  'strangler.qa_session_revocation': QaSessionRevocationTable;
}

/** The shadow store's latency histogram bounds (ms); the last bucket is open-ended. */
export const LATENCY_BOUNDS_MS: readonly number[] = LATENCY_BUCKET_BOUNDS_MS;
