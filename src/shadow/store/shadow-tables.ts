import type { ColumnType, Generated } from 'kysely';

/*
 * kysely view of the shadow store (schema `strangler`, shadow-migrations.ts). The first three tables
 * are the ones QA reports read (src/qa-reports/qa-tables.ts declares the same columns); the columns
 * and tables after them are the shadow store's own.
 */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;
type BigCount = ColumnType<string, number | string, number | string>;
type NullableText = ColumnType<string | null, string | null | undefined, string | null>;

export interface ShadowMinuteTable {
  route_id: string;
  minute: Timestamp;
  match: number;
  mismatch: number;
  noise: number;
  error: number;
  skipped: number;
  /** Shadow-eligible requests dropped before capture, and those the sample rate left out. */
  dropped: ColumnType<number, number | undefined, number>;
  unsampled: ColumnType<number, number | undefined, number>;
  /** Reads whose difference was gone once the sync had caught up. */
  sync_lag: ColumnType<number, number | undefined, number>;
  /** Counts per LATENCY_BUCKET_BOUNDS_MS bucket (not cumulative; the last bucket is open-ended). */
  legacy_latency_buckets: number[];
  new_latency_buckets: number[];
  legacy_latency_sum_ms: ColumnType<number, number | undefined, number>;
  new_latency_sum_ms: ColumnType<number, number | undefined, number>;
}

export interface ShadowMinuteReasonTable {
  route_id: string;
  minute: Timestamp;
  outcome: 'skipped' | 'error' | 'dropped' | 'unsampled';
  /** A SHADOW_REASONS code (shadow-store.ts). */
  reason: string;
  count: number;
}

export interface ShadowGroupMinuteTable {
  group_id: string;
  minute: Timestamp;
  count: number;
}

export interface ShadowGroupTable {
  id: Generated<string>;
  route_id: string;
  fingerprint: string;
  /** Differing locations (array positions collapsed) and kinds, sorted. */
  paths: Json<{ path: string; kind: string }[]>;
  count: BigCount;
  first_seen: Timestamp;
  last_seen: Timestamp;
  status: ColumnType<string, string | undefined, string>;
  /** Samples stored for this group; no more than the cap are kept. */
  sample_count: ColumnType<number, number | undefined, number>;
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
  /** The verified caller's `sub` and organisation; null when the new side ran for nobody verified. */
  caller_subject: NullableText;
  caller_organisation_id: NullableText;
}

export interface ShadowNoiseRouteTable {
  route_id: string;
  raw_total: BigCount;
  noise_total: BigCount;
}

export interface ShadowNoiseFieldTable {
  route_id: string;
  field: string;
  raw_differences: BigCount;
  noise_differences: BigCount;
}

export interface ShadowDatabase {
  'strangler.shadow_minute': ShadowMinuteTable;
  'strangler.shadow_minute_reason': ShadowMinuteReasonTable;
  'strangler.shadow_group': ShadowGroupTable;
  'strangler.shadow_group_minute': ShadowGroupMinuteTable;
  'strangler.shadow_sample': ShadowSampleTable;
  'strangler.shadow_noise_route': ShadowNoiseRouteTable;
  'strangler.shadow_noise_field': ShadowNoiseFieldTable;
}

/**
 * Upper bounds (ms) of the per-minute latency buckets; the last bucket is open-ended. QA reports
 * estimate percentiles from them with the same bounds (src/qa-reports/qa-tables.ts).
 */
export const LATENCY_BUCKET_BOUNDS_MS: readonly number[] = [
  1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
];

export function latencyBucketOf(ms: number): number {
  for (let i = 0; i < LATENCY_BUCKET_BOUNDS_MS.length; i++) {
    if (ms <= (LATENCY_BUCKET_BOUNDS_MS[i] as number)) return i;
  }
  return LATENCY_BUCKET_BOUNDS_MS.length;
}
