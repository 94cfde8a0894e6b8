import type { ShadowBatchOutcome } from './shadow-store.ts';

/**
 * The diff groups the store reported full (all the samples it keeps), remembered for `memoryMs` so the
 * writer stops collecting samples for them; then the store is asked again, since retention or QA may
 * have made room.
 */
export class FullGroups {
  /** `routeId\nfingerprint`, with when the store said so. */
  private readonly since = new Map<string, number>();
  private readonly memoryMs: number;
  private readonly nowMs: () => number;

  constructor(memoryMs: number, nowMs: () => number) {
    this.memoryMs = memoryMs;
    this.nowMs = nowMs;
  }

  remember(outcome: ShadowBatchOutcome | void): void {
    const at = this.nowMs();
    for (const full of outcome?.fullGroups ?? []) this.since.set(`${full.routeId}\n${full.fingerprint}`, at);
    // Bounded: groups nobody asks about again are forgotten once their time is up.
    if (this.since.size > 10_000) {
      for (const [key, since] of this.since) if (at - since >= this.memoryMs) this.since.delete(key);
    }
  }

  isFull(groupKey: string): boolean {
    const fullSince = this.since.get(groupKey);
    if (fullSince === undefined) return false;
    if (this.nowMs() - fullSince < this.memoryMs) return true;
    this.since.delete(groupKey);
    return false;
  }
}
