import type { Kysely } from 'kysely';
import { setTimeout as delay } from 'node:timers/promises';

import { syncPassed, syncPoint, syncTouched } from '../../sync/sync-in-flight.ts';

/** Whether the dual-write sync may explain a difference seen just now (see sync-recheck.ts). */
export interface SyncWatch {
  /**
   * Waits, at most the watch's bound, until the sync has carried across every change of these entity
   * tables written before now, then says whether it moved (or had pending) one from `windowMs` ago on.
   * False when the sync is stalled or absent: it cannot catch up within the wait, so nothing is gained.
   */
  settle(entities: readonly string[], windowMs: number): Promise<boolean>;
}

export interface SyncWatchOptions {
  /** The most a comparison waits for the sync (SHADOW_SYNC_WAIT_MS). */
  readonly waitMs: number;
  /** How often the sync's progress is read meanwhile (default 50 ms). */
  readonly pollMs?: number;
}

/** A watch over the sync's tables in the new database (the one the shadow store shares, DATABASE_URL). */
export function createSyncWatch(db: Kysely<unknown>, options: SyncWatchOptions): SyncWatch {
  const pollMs = options.pollMs ?? 50;
  return {
    async settle(entities, windowMs) {
      const point = await syncPoint(db, entities);
      if (point.feedIdleMs === null || point.feedIdleMs > options.waitMs) return false;
      const deadline = performance.now() + options.waitMs;
      while (!(await syncPassed(db, point, entities)) && performance.now() < deadline) {
        await delay(pollMs);
      }
      return syncTouched(db, point, entities, windowMs);
    },
  };
}
