import type {
  DroppedCount,
  GroupUpdate,
  MinuteCounts,
  MinuteOutcome,
  ReasonCount,
  ShadowBatch,
  ShadowOutcome,
  ShadowReason,
  ShadowSample,
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

interface MutableMinute {
  routeId: string;
  minute: Date;
  counts: Record<MinuteOutcome, number>;
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
  minutes: Map<number, number>;
}

/**
 * The results of one flush, summed per route and minute and per diff group, with the samples the
 * groups have room for (at most `samplesPerGroup` each, `maxBytes` in all).
 */
export class ResultBuffer {
  records = 0;
  /** Requests counted as dropped or unsampled (they are no records: counting them costs no memory). */
  dropped = 0;
  bytes = 0;
  private readonly minutes = new Map<string, MutableMinute>();
  private readonly groups = new Map<string, MutableGroup>();
  private readonly samplesPerGroup: number;
  private readonly maxBytes: number;

  constructor(limits: { readonly samplesPerGroup: number; readonly maxBytes: number }) {
    this.samplesPerGroup = limits.samplesPerGroup;
    this.maxBytes = limits.maxBytes;
  }

  /** Whether the sample bytes of this flush are used up. */
  isFull(): boolean {
    return this.bytes >= this.maxBytes;
  }

  /** Whether the group (key `routeId\nfingerprint`) has room for another sample in this flush. */
  hasRoomFor(groupKey: string): boolean {
    return (this.groups.get(groupKey)?.samples.length ?? 0) < this.samplesPerGroup;
  }

  /** Counts the result; false when its sample had to be dropped because the buffer's bytes are used up. */
  add(result: ShadowResult): boolean {
    this.records += 1;
    this.addToMinute(result);
    return result.group === undefined ? true : this.addToGroup(result, result.group);
  }

  /** Counts requests that were left uncompared before any result could exist. */
  addDropped(counts: readonly DroppedCount[]): void {
    for (const c of counts) {
      const minute = this.minuteOf(c.routeId, c.minuteMs);
      minute.counts[SHADOW_REASONS[c.reason]] += c.count;
      minute.reasons.set(c.reason, (minute.reasons.get(c.reason) ?? 0) + c.count);
      this.dropped += c.count;
    }
  }

  toBatch(noise: ShadowBatch['noise']): ShadowBatch {
    return {
      minutes: [...this.minutes.values()].map(({ reasons, ...minute }): MinuteCounts => ({
        ...minute,
        reasons: [...reasons].map(([reason, count]): ReasonCount => ({
          outcome: SHADOW_REASONS[reason],
          reason,
          count,
        })),
      })),
      groups: [...this.groups.values()] satisfies GroupUpdate[],
      noise,
    };
  }

  private minuteOf(routeId: string, atMs: number): MutableMinute {
    const minuteMs = Math.floor(atMs / 60_000) * 60_000;
    const minuteKey = `${routeId}\n${minuteMs}`;
    let minute = this.minutes.get(minuteKey);
    if (minute === undefined) {
      minute = emptyMinute(routeId, new Date(minuteMs));
      this.minutes.set(minuteKey, minute);
    }
    return minute;
  }

  private addToMinute(result: ShadowResult): void {
    const minute = this.minuteOf(result.routeId, result.at.getTime());
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
  }

  private addToGroup(result: ShadowResult, update: NonNullable<ShadowResult['group']>): boolean {
    const groupKey = `${result.routeId}\n${update.fingerprint}`;
    let group = this.groups.get(groupKey);
    if (group === undefined) {
      group = {
        routeId: result.routeId,
        fingerprint: update.fingerprint,
        paths: update.paths,
        count: 0,
        firstSeen: result.at,
        lastSeen: result.at,
        samples: [],
        minutes: new Map(),
      };
      this.groups.set(groupKey, group);
    }
    group.count += 1;
    const minuteMs = Math.floor(result.at.getTime() / 60_000) * 60_000;
    group.minutes.set(minuteMs, (group.minutes.get(minuteMs) ?? 0) + 1);
    if (result.at < group.firstSeen) group.firstSeen = result.at;
    if (result.at > group.lastSeen) group.lastSeen = result.at;
    const sample = update.sample;
    if (sample === undefined || group.samples.length >= this.samplesPerGroup) return true;
    const bytes = approximateBytes(sample);
    if (this.bytes + bytes > this.maxBytes) return false;
    this.bytes += bytes;
    group.samples.push(sample);
    return true;
  }
}

function emptyMinute(routeId: string, minute: Date): MutableMinute {
  return {
    routeId,
    minute,
    counts: {
      match: 0,
      mismatch: 0,
      noise: 0,
      'sync-lag': 0,
      error: 0,
      skipped: 0,
      dropped: 0,
      unsampled: 0,
    },
    legacyBuckets: new Array<number>(LATENCY_BUCKET_BOUNDS_MS.length + 1).fill(0),
    newBuckets: new Array<number>(LATENCY_BUCKET_BOUNDS_MS.length + 1).fill(0),
    legacySumMs: 0,
    newSumMs: 0,
    reasons: new Map(),
  };
}

function approximateBytes(sample: ShadowSample): number {
  // Stringifying costs about as much as the write will; this runs only for the few kept samples.
  return JSON.stringify(sample).length;
}
