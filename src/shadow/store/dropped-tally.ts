import type { DroppedCount, DroppedReason } from './shadow-store.ts';

/**
 * Requests left uncompared on the proxy's thread (unsampled, dropped for a full or missing shadow
 * thread), counted per route, reason and minute until they are handed to the shadow thread's writer.
 * One map entry per route and reason and minute, whatever the traffic.
 */
export class DroppedTally {
  private counts = new Map<string, { -readonly [K in keyof DroppedCount]: DroppedCount[K] }>();
  private readonly nowMs: () => number;

  constructor(nowMs: () => number = Date.now) {
    this.nowMs = nowMs;
  }

  count(routeId: string, reason: DroppedReason): void {
    const minuteMs = Math.floor(this.nowMs() / 60_000) * 60_000;
    const key = `${minuteMs}\n${reason}\n${routeId}`;
    const entry = this.counts.get(key);
    if (entry === undefined) this.counts.set(key, { routeId, reason, minuteMs, count: 1 });
    else entry.count += 1;
  }

  /** What was counted since the last drain. */
  drain(): DroppedCount[] {
    const drained = [...this.counts.values()];
    this.counts = new Map();
    return drained;
  }
}
