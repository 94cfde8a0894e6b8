import type { Difference } from '../compare/compare-exchanges.ts';
import type { RouteNoise } from '../noise/noise-model.ts';
import type { StoredRequest, StoredResponse } from '../redact.ts';

/** `noise`: every difference was learned noise; `skipped`: not compared (reason recorded in logs). */
export type ShadowOutcome = 'match' | 'mismatch' | 'noise' | 'error' | 'skipped';
export const SHADOW_OUTCOMES: readonly ShadowOutcome[] = ['match', 'mismatch', 'noise', 'error', 'skipped'];

/** A mismatch as kept for QA: everything already redacted. */
export interface ShadowSample {
  readonly capturedAt: Date;
  readonly request: StoredRequest;
  readonly legacy: StoredResponse;
  readonly candidate: StoredResponse;
  /** Real differences (they make the fingerprint). */
  readonly diffs: readonly Difference[];
  /** Differences in fields learned as noise, shown apart. */
  readonly noise: readonly Difference[];
}

/** Counters of one route for one minute. */
export interface MinuteCounts {
  readonly routeId: string;
  readonly minute: Date;
  readonly counts: Readonly<Record<ShadowOutcome, number>>;
  readonly legacyBuckets: readonly number[];
  readonly newBuckets: readonly number[];
  readonly legacySumMs: number;
  readonly newSumMs: number;
}

/** Occurrences of one diff group in a batch, with at most the per-group cap of samples. */
export interface GroupUpdate {
  readonly routeId: string;
  readonly fingerprint: string;
  readonly paths: readonly { readonly path: string; readonly kind: string }[];
  readonly count: number;
  readonly firstSeen: Date;
  readonly lastSeen: Date;
  readonly samples: readonly ShadowSample[];
}

export interface ShadowBatch {
  readonly minutes: readonly MinuteCounts[];
  readonly groups: readonly GroupUpdate[];
  readonly noise: readonly RouteNoise[];
}

export interface RetentionResult {
  readonly samples: number;
  readonly minutes: number;
  readonly groups: number;
}

export interface ExportedSample extends ShadowSample {
  readonly id: string;
  readonly routeId: string;
  readonly fingerprint: string;
  readonly groupStatus: string;
}

/** Where shadow results go (postgres-shadow-store.ts). Every method may reject when the store is down. */
export interface ShadowStore {
  /** Applies a batch atomically; counters add up across replicas. */
  writeBatch(batch: ShadowBatch): Promise<void>;
  /** Learned noise, to seed the noise model at startup. */
  loadNoise(): Promise<RouteNoise[]>;
  /** Deletes data older than `olderThan` in batches of `batchSize` rows; QA decisions are kept. */
  deleteExpired(options: { readonly olderThan: Date; readonly batchSize: number }): Promise<RetentionResult>;
  /** A route's stored samples, newest first (for fixtures). */
  exportSamples(
    routeId: string,
    options: { readonly limit: number; readonly status?: string },
  ): Promise<ExportedSample[]>;
}
