import type { Logger } from '../../observability/logger.ts';
import { errorDetails } from '../../observability/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { NoiseModel, RouteNoise } from '../noise/noise-model.ts';
import { FullGroups } from './full-groups.ts';
import { ResultBuffer, type ShadowResult } from './result-buffer.ts';
import type { DroppedCount, ShadowStore } from './shadow-store.ts';

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
   * How long a group the store reported full gets no more samples (default 30 s); then it is asked
   * again, since retention or QA may have made room: once QA accepts a group, a later difference opens
   * a new group under the same fingerprint, which must not wait long for its samples.
   */
  readonly fullGroupMemoryMs?: number;
  /** Clock for `fullGroupMemoryMs` (tests). */
  readonly nowMs?: () => number;
}

export interface ShadowWriter {
  /** Never throws, never waits. False when the result was dropped (buffer full; counted as such). */
  record(result: ShadowResult): boolean;
  /**
   * Counts requests left uncompared before a result existed (dropped, unsampled), written with the
   * next batch as per-route, per-minute counters. Never throws, never waits.
   */
  addDropped(counts: readonly DroppedCount[]): void;
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

/**
 * Batches shadow results in memory and writes them every second (or when full) in one transaction.
 * Bounded by count and bytes: when the store is slow or down, results are counted
 * (`strangler_shadow_dropped_total{reason}`) and dropped, never queued without bound, and the client
 * path never waits for any of it.
 */
export function createShadowWriter(options: ShadowWriterOptions): ShadowWriter {
  const { store, metrics, logger } = options;
  const maxRecords = options.maxRecords ?? 10_000;
  const limits = {
    samplesPerGroup: options.samplesPerGroup ?? 20,
    maxBytes: options.maxBytes ?? 16 * 1024 * 1024,
  };
  const fullGroups = new FullGroups(options.fullGroupMemoryMs ?? 30_000, options.nowMs ?? Date.now);
  let buffer = new ResultBuffer(limits);
  let inFlight: Promise<void> | undefined;
  let closed = false;
  let lastWarning = 0;

  const write = async (batch: ResultBuffer, noise: RouteNoise[]): Promise<void> => {
    try {
      fullGroups.remember(await store.writeBatch(batch.toBatch(noise)));
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
  };

  const flushNow = async (): Promise<void> => {
    if (inFlight !== undefined) return inFlight;
    const batch = buffer;
    buffer = new ResultBuffer(limits);
    const noise = options.noise?.drainDeltas() ?? [];
    if (batch.records === 0 && batch.dropped === 0 && noise.length === 0) return;
    inFlight = write(batch, noise);
    return inFlight;
  };

  const timer = setInterval(() => void flushNow(), options.flushIntervalMs ?? 1000);
  timer.unref();

  return {
    wantsSample(routeId, fingerprint) {
      const key = `${routeId}\n${fingerprint}`;
      return !closed && !buffer.isFull() && !fullGroups.isFull(key) && buffer.hasRoomFor(key);
    },
    record(result) {
      if (closed || buffer.records >= maxRecords) {
        metrics.shadowDropped.inc({ reason: closed ? 'writer_closed' : 'store_backlog' });
        if (!closed) {
          buffer.addDropped([droppedNow(result.routeId, 'store-backlog', result.at.getTime())]);
          void flushNow();
        }
        return false;
      }
      if (!buffer.add(result)) metrics.shadowDropped.inc({ reason: 'sample_buffer_full' });
      if (buffer.records >= maxRecords) void flushNow();
      return true;
    },
    addDropped(counts) {
      if (!closed) buffer.addDropped(counts);
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

/** One request of `routeId` left uncompared at `atMs`, for `addDropped`. */
export function droppedNow(routeId: string, reason: DroppedCount['reason'], atMs: number): DroppedCount {
  return { routeId, reason, minuteMs: Math.floor(atMs / 60_000) * 60_000, count: 1 };
}
