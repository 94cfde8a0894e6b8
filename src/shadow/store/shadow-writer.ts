import type { Logger } from '../../observability/logger.ts';
import { errorDetails } from '../../observability/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { NoiseModel } from '../noise/noise-model.ts';
import type {
  GroupUpdate,
  MinuteCounts,
  ReasonCount,
  ShadowOutcome,
  ShadowReason,
  ShadowSample,
  ShadowStore,
} from './shadow-store.ts';
import { SHADOW_REASONS } from './shadow-store.ts';
import { LATENCY_BUCKET_BOUNDS_MS, latencyBucketOf } from './shadow-tables.ts';

/** One finished comparison, as the runner hands it over. */
export interface ShadowResult {
  readonly routeId: string;
  readonly at: Date;
  readonly outcome: ShadowOutcome;
  /** Why, for `skipped` and `error` outcomes. */
  readonly reason?: ShadowReason;
  readonly legacyLatencyMs?: number;
  readonly newLatencyMs?: number;
  /** For mismatches: the diff group, and a redacted sample the writer keeps if the group has room. */
  readonly group?: {
    readonly fingerprint: string;
    readonly paths: readonly { readonly path: string; readonly kind: string }[];
    readonly sample?: ShadowSample;
  };
}

export interface ShadowWriterOptions {
  readonly store: ShadowStore;
  readonly metrics: Pick<Metrics, 'shadowDropped'>;
  readonly logger: Logger;
  /** Learned-noise counts are persisted with each flush. */
  readonly noise?: Pick<NoiseModel, 'drainDeltas'>;
  readonly flushIntervalMs?: number;
  /** Results buffered before new ones are dropped (default 10 000). */
  readonly maxRecords?: number;
  /** Approximate bytes of buffered samples before new samples are dropped (default 16 MiB). */
  readonly maxBytes?: number;
  /** Samples kept per group per flush; the store applies the same cap over all time (default 20). */
  readonly samplesPerGroup?: number;
  /**
   * How long a group the store reported full gets no more samples (default 10 minutes); then it is
   * asked again, since retention or QA may have made room.
   */
  readonly fullGroupMemoryMs?: number;
  /** Clock for `fullGroupMemoryMs` (tests). */
  readonly nowMs?: () => number;
}

export interface ShadowWriter {
  /** Never throws, never waits. False when the result was dropped (buffer full). */
  record(result: ShadowResult): boolean;
  /**
   * Whether a sample of this group would be kept: not when this flush already holds the group's share,
   * the sample buffer is full, or the store said the group holds all it keeps (remembered for
   * `fullGroupMemoryMs`). Ask before building one: redacting two large bodies is not free, and at a
   * steady mismatch rate nearly every sample would be thrown away.
   */
  wantsSample(routeId: string, fingerprint: string): boolean;
  /** Writes what is buffered now; resolves after the write (or its failure, which is counted). */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
}

interface Buffer {
  records: number;
  bytes: number;
  minutes: Map<string, MutableMinute>;
  groups: Map<string, MutableGroup>;
}

interface MutableMinute {
  routeId: string;
  minute: Date;
  counts: Record<ShadowOutcome, number>;
  legacyBuckets: number[];
  newBuckets: number[];
  legacySumMs: number;
  newSumMs: number;
  reasons: Map<ShadowReason, number>;
}

interface MutableGroup {
  routeId: string;
  fingerprint: string;
  paths: readonly { readonly path: string; readonly kind: string }[];
  count: number;
  firstSeen: Date;
  lastSeen: Date;
  samples: ShadowSample[];
}

const emptyBuffer = (): Buffer => ({ records: 0, bytes: 0, minutes: new Map(), groups: new Map() });

/**
 * Batches shadow results in memory and writes them every second (or when full) in one transaction.
 * Bounded by count and bytes: when the store is slow or down, results are counted
 * (`strangler_shadow_dropped_total{reason}`) and dropped, never queued without bound, and the client
 * path never waits for any of it.
 */
export function createShadowWriter(options: ShadowWriterOptions): ShadowWriter {
  const { store, metrics, logger } = options;
  const maxRecords = options.maxRecords ?? 10_000;
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  const samplesPerGroup = options.samplesPerGroup ?? 20;
  const fullGroupMemoryMs = options.fullGroupMemoryMs ?? 10 * 60_000;
  const nowMs = options.nowMs ?? Date.now;
  /** `routeId\nfingerprint` of groups the store reported full, with when that was. */
  const fullGroups = new Map<string, number>();
  let buffer = emptyBuffer();
  let inFlight: Promise<void> | undefined;
  let closed = false;
  let lastWarning = 0;

  const flushNow = async (): Promise<void> => {
    if (inFlight !== undefined) return inFlight;
    const batch = buffer;
    buffer = emptyBuffer();
    const noise = options.noise?.drainDeltas() ?? [];
    if (batch.records === 0 && noise.length === 0) return;
    inFlight = (async () => {
      try {
        const outcome = await store.writeBatch({
          minutes: [...batch.minutes.values()].map(({ reasons, ...minute }): MinuteCounts => ({
            ...minute,
            reasons: [...reasons].map(([reason, count]): ReasonCount => ({
              outcome: SHADOW_REASONS[reason],
              reason,
              count,
            })),
          })),
          groups: [...batch.groups.values()] satisfies GroupUpdate[],
          noise,
        });
        const at = nowMs();
        for (const full of outcome?.fullGroups ?? [])
          fullGroups.set(`${full.routeId}\n${full.fingerprint}`, at);
        // Bounded: groups nobody asks about again are forgotten once their time is up.
        if (fullGroups.size > 10_000) {
          for (const [key, since] of fullGroups) if (at - since >= fullGroupMemoryMs) fullGroups.delete(key);
        }
      } catch (error: unknown) {
        metrics.shadowDropped.inc({ reason: 'store_unavailable' }, batch.records);
        const now = Date.now();
        // A store outage would otherwise log once a second per replica.
        if (now - lastWarning > 30_000) {
          lastWarning = now;
          logger.warn('shadow store write failed; results dropped', {
            dropped: batch.records,
            error: errorDetails(error),
          });
        }
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };

  const timer = setInterval(() => void flushNow(), options.flushIntervalMs ?? 1000);
  timer.unref();

  return {
    wantsSample(routeId, fingerprint) {
      if (closed || buffer.bytes >= maxBytes) return false;
      const key = `${routeId}\n${fingerprint}`;
      const fullSince = fullGroups.get(key);
      if (fullSince !== undefined) {
        if (nowMs() - fullSince < fullGroupMemoryMs) return false;
        fullGroups.delete(key);
      }
      return (buffer.groups.get(key)?.samples.length ?? 0) < samplesPerGroup;
    },
    record(result) {
      if (closed || buffer.records >= maxRecords) {
        metrics.shadowDropped.inc({ reason: closed ? 'writer_closed' : 'store_backlog' });
        if (!closed) void flushNow();
        return false;
      }
      buffer.records += 1;
      const minuteStart = new Date(Math.floor(result.at.getTime() / 60_000) * 60_000);
      const minuteKey = `${result.routeId}\n${minuteStart.getTime()}`;
      let minute = buffer.minutes.get(minuteKey);
      if (minute === undefined) {
        minute = {
          routeId: result.routeId,
          minute: minuteStart,
          counts: { match: 0, mismatch: 0, noise: 0, error: 0, skipped: 0 },
          legacyBuckets: new Array<number>(LATENCY_BUCKET_BOUNDS_MS.length + 1).fill(0),
          newBuckets: new Array<number>(LATENCY_BUCKET_BOUNDS_MS.length + 1).fill(0),
          legacySumMs: 0,
          newSumMs: 0,
          reasons: new Map(),
        };
        buffer.minutes.set(minuteKey, minute);
      }
      minute.counts[result.outcome] += 1;
      if (result.reason !== undefined) {
        minute.reasons.set(result.reason, (minute.reasons.get(result.reason) ?? 0) + 1);
      }
      if (result.legacyLatencyMs !== undefined) {
        minute.legacyBuckets[latencyBucketOf(result.legacyLatencyMs)]! += 1;
        minute.legacySumMs += result.legacyLatencyMs;
      }
      if (result.newLatencyMs !== undefined) {
        minute.newBuckets[latencyBucketOf(result.newLatencyMs)]! += 1;
        minute.newSumMs += result.newLatencyMs;
      }

      if (result.group !== undefined) {
        const groupKey = `${result.routeId}\n${result.group.fingerprint}`;
        let group = buffer.groups.get(groupKey);
        if (group === undefined) {
          group = {
            routeId: result.routeId,
            fingerprint: result.group.fingerprint,
            paths: result.group.paths,
            count: 0,
            firstSeen: result.at,
            lastSeen: result.at,
            samples: [],
          };
          buffer.groups.set(groupKey, group);
        }
        group.count += 1;
        if (result.at < group.firstSeen) group.firstSeen = result.at;
        if (result.at > group.lastSeen) group.lastSeen = result.at;
        const sample = result.group.sample;
        if (sample !== undefined && group.samples.length < samplesPerGroup) {
          const bytes = approximateBytes(sample);
          if (buffer.bytes + bytes <= maxBytes) {
            buffer.bytes += bytes;
            group.samples.push(sample);
          } else {
            metrics.shadowDropped.inc({ reason: 'sample_buffer_full' });
          }
        }
      }
      if (buffer.records >= maxRecords) void flushNow();
      return true;
    },
    flush: async () => {
      await inFlight;
      await flushNow();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await inFlight;
      await flushNow();
    },
  };
}

function approximateBytes(sample: ShadowSample): number {
  // Stringifying costs about as much as the write will; this runs only for the few kept samples.
  return JSON.stringify(sample).length;
}
