import type { Principal } from '../../identity/principal.ts';
import type { Difference } from '../compare/compare-exchanges.ts';
import type { RouteNoise } from '../noise/noise-model.ts';
import type { StoredRequest, StoredResponse } from '../redact.ts';

/**
 * `noise`: every difference was learned noise; `sync-lag`: a read's difference that was gone once the
 * dual-write sync had caught up (runner/sync-recheck.ts); `skipped`: not compared (reason in the logs).
 */
export type ShadowOutcome = 'match' | 'mismatch' | 'noise' | 'sync-lag' | 'error' | 'skipped';

/**
 * Why a comparison was not made (skipped, ended in error, dropped before capture, or left out by the
 * sample rate), as stored per route and minute for QA (the detail, such as an exception's message,
 * goes to the debug log only: it is unbounded text).
 */
export const SHADOW_REASONS = {
  /** A request or response body, or the shadow side's response, was over the route's capture cap. */
  'capture-limit': 'skipped',
  /** The served response broke off before it finished (client gone, legacy reset mid-body). */
  'incomplete-response': 'skipped',
  /** The served response's Content-Encoding cannot be decoded here. */
  'unsupported-encoding': 'skipped',
  /** The served response's body did not decode with its own Content-Encoding. */
  'corrupt-encoding': 'skipped',
  /** A write's early dry run never received its exchange (it waited longer than allowed). */
  'exchange-lost': 'skipped',
  /** strangler was shutting down before the exchange finished. */
  shutdown: 'skipped',
  /** The new handler failed while serving and legacy served instead (a fallback). */
  fallback: 'error',
  /** The route's comparison rules do not compile. */
  'invalid-rules': 'error',
  /** The shadow side did not answer within the route's shadow timeout. */
  timeout: 'error',
  /** The new handler threw (or answered in a way that could not be captured). */
  'new-failed': 'error',
  /** The call to legacy for the shadow side failed (connection refused, reset, …). */
  'legacy-failed': 'error',
  /** The comparison itself failed on these bodies. */
  'compare-failed': 'error',
  /** No free slot and no queue place for the shadow side: dropped before anything was captured. */
  'queue-full': 'dropped',
  /** The shadow thread had died and its replacement was not running yet. */
  'thread-restarting': 'dropped',
  /** The result was lost because the writer's buffer was full (the store slow or down). */
  'store-backlog': 'dropped',
  /** Not picked by the route's sample rate. */
  'sample-rate': 'unsampled',
} as const satisfies Readonly<Record<string, NotComparedOutcome>>;
export type ShadowReason = keyof typeof SHADOW_REASONS;

/** Why a shadow-eligible request has no comparison: each reason of SHADOW_REASONS belongs to one. */
export type NotComparedOutcome = 'skipped' | 'error' | 'dropped' | 'unsampled';

/** The reasons for which no result reaches the writer: the request is only counted. */
export type DroppedReason = {
  [R in ShadowReason]: (typeof SHADOW_REASONS)[R] extends 'dropped' | 'unsampled' ? R : never;
}[ShadowReason];

/** Not-compared outcomes of one minute, by reason. */
export interface ReasonCount {
  readonly outcome: NotComparedOutcome;
  readonly reason: ShadowReason;
  readonly count: number;
}

/** Shadow-eligible requests of one route and minute left uncompared for one reason, counted only. */
export interface DroppedCount {
  readonly routeId: string;
  readonly reason: DroppedReason;
  /** The minute's start, in ms since the epoch. */
  readonly minuteMs: number;
  readonly count: number;
}

/** What a minute counts: the comparisons' outcomes and the requests dropped or left unsampled. */
export type MinuteOutcome = ShadowOutcome | 'dropped' | 'unsampled';

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
  /** Who the new side answered: absent for an open route or a refused caller. */
  readonly caller?: SampleCaller;
}

/** A verified caller as kept with a sample for QA: who and for which organisation, never the token. */
export type SampleCaller = Pick<Principal, 'subject' | 'organisationId'>;

/** Counters of one route for one minute. */
export interface MinuteCounts {
  readonly routeId: string;
  readonly minute: Date;
  /** `dropped`, `unsampled` and `sync-lag` only when some were. */
  readonly counts: Readonly<
    Record<Exclude<ShadowOutcome, 'sync-lag'>, number> & Partial<Record<MinuteOutcome, number>>
  >;
  readonly legacyBuckets: readonly number[];
  readonly newBuckets: readonly number[];
  readonly legacySumMs: number;
  readonly newSumMs: number;
  /** Why requests of this minute were not compared (empty when all were). */
  readonly reasons?: readonly ReasonCount[];
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
  /** The occurrences by minute (ms since the epoch), so QA can count a group's share of a window. */
  readonly minutes?: ReadonlyMap<number, number>;
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

export interface ShadowBatchOutcome {
  /** Groups whose stored samples reached the per-group cap. */
  readonly fullGroups: readonly { readonly routeId: string; readonly fingerprint: string }[];
}

/** Where shadow results go (postgres-shadow-store.ts). Every method may reject when the store is down. */
export interface ShadowStore {
  /**
   * Applies a batch atomically; counters add up across replicas. May say which of the batch's groups
   * hold all the samples they will keep, so the writer stops collecting (and redacting) more for them.
   */
  writeBatch(batch: ShadowBatch): Promise<ShadowBatchOutcome | void>;
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
