import type { ColumnType, Generated } from 'kysely';

/** kysely view of the tables the reports read and write (qa-migrations.ts), all in schema `strangler`. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface ShadowMinuteTable {
  route_id: string;
  minute: Timestamp;
  match: number;
  mismatch: number;
  noise: number;
  error: number;
  skipped: number;
  legacy_latency_buckets: number[];
  new_latency_buckets: number[];
}

export interface ShadowGroupTable {
  id: Generated<string>;
  route_id: string;
  fingerprint: string;
  paths: Json<{ path: string; kind: string }[]>;
  count: ColumnType<string, number | string, number | string>;
  first_seen: Timestamp;
  last_seen: Timestamp;
  status: string;
}

export interface ShadowSampleTable {
  id: Generated<string>;
  group_id: string;
  captured_at: Timestamp;
  request: Json<unknown>;
  legacy: Json<unknown>;
  candidate: Json<unknown>;
  diffs: Json<unknown>;
  noise: Json<unknown>;
}

export interface QaRuleTable {
  id: Generated<string>;
  route_id: string;
  group_id: string;
  fingerprint: string;
  paths: Json<string[]>;
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

export interface QaDatabase {
  'strangler.shadow_minute': ShadowMinuteTable;
  'strangler.shadow_group': ShadowGroupTable;
  'strangler.shadow_sample': ShadowSampleTable;
  'strangler.qa_rule': QaRuleTable;
  'strangler.qa_decision': QaDecisionTable;
  'strangler.qa_audit': QaAuditTable;
}

/** Upper bounds (ms) of the per-minute latency histogram buckets; the last bucket is open-ended. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
];
