import type pg from 'pg';

import type { Logger } from '../observability/logger.ts';
import { inRootSpan } from '../observability/tracing.ts';
import { errorDetails } from '../observability/logger.ts';
import { resyncAll } from './full-resync.ts';
import { holdRetryable, readHeldChanges, withHeldChanges } from './held-changes.ts';
import type { HoldBound } from './held-changes.ts';
import { latestChangePerKey } from './latest-changes.ts';
import { applyLegacyChangesToNew } from './pg-apply.ts';
import { withConnection } from './pg-transaction.ts';
import { createPollingLoop, dueEvery } from './polling-loop.ts';
import type { PollingLoop } from './polling-loop.ts';
import {
  advanceCheckpoint,
  beginAtCheckpoint,
  moveCheckpoint,
  readCheckpoint,
  recordCheckpointError,
} from './sync-checkpoints.ts';
import type { LegacyChangeBatch, LegacyChangeFeed, LegacyRowReader, SyncChange } from './sync-engine.ts';
import type { SyncOwnership } from './sync-entities.ts';
import type { SyncMetrics } from './sync-metrics.ts';
import { countRecorded, tallyOutcomes } from './sync-records.ts';
import { recordLegacyResults } from './apply-legacy-changes.ts';

export interface ChangePollerOptions {
  readonly batchSize: number;
  readonly idlePollMs: number;
  /** How often feed entries behind the committed checkpoint are deleted (feeds that support it). */
  readonly pruneEveryMs: number;
  /**
   * A change refused for a missing parent or a taken unique value is held and retried with the rounds
   * that follow until both bounds have passed, then recorded `rejected`.
   */
  readonly holdRefused: HoldBound;
}

export const DEFAULT_POLLER_OPTIONS: ChangePollerOptions = {
  batchSize: 1000,
  idlePollMs: 100,
  pruneEveryMs: 60_000,
  holdRefused: { rounds: 20, ms: 10_000 },
};

export interface ChangePollerDeps {
  /** The new database: rows and the checkpoint are written here in one transaction. */
  readonly pool: pg.Pool;
  readonly feed: LegacyChangeFeed;
  /**
   * Needed for a full re-sync when the feed's checkpoint fell out of retention (SQL Server), and to
   * retry held changes (without it a refused change is recorded `rejected` at once).
   */
  readonly reader?: LegacyRowReader;
  readonly ownership: SyncOwnership;
  readonly logger: Logger;
  readonly metrics?: SyncMetrics;
  readonly options?: Partial<ChangePollerOptions>;
}

export interface PollResult {
  readonly entriesRead: number;
  readonly changes: number;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly resynced: boolean;
  /** Changes refused for now and held for the rounds that follow. */
  readonly held: number;
}

export interface ChangePoller extends PollingLoop {
  runOnce(): Promise<PollResult>;
}

/**
 * Legacy → PostgreSQL. Each batch: lock the feed's checkpoint row (one poller per feed at a time; a
 * second process simply waits its turn), read the changes after it, apply the current legacy rows with
 * the version guard, record outcomes and conflicts, advance the checkpoint, all in one transaction on
 * the new database, so a crash anywhere re-reads the same batch and applies it again harmlessly.
 */
export function createChangePoller(deps: ChangePollerDeps): ChangePoller {
  const options: ChangePollerOptions = { ...DEFAULT_POLLER_OPTIONS, ...deps.options };
  const { pool, feed, ownership, logger, metrics } = deps;
  const pruneDue = dueEvery(options.pruneEveryMs, Date.now());

  async function runOnce(): Promise<PollResult> {
    try {
      return await withConnection(pool, async (client) => {
        const startTime = Date.now();
        const position = await beginAtCheckpoint(client, feed.feedName);
        const batch = await feed.readChanges(position, options.batchSize);
        if (!batch.resyncRequired && batch.entriesRead === 0) return applyBatch(client, batch);
        if (!batch.resyncRequired) {
          // Traced only once it holds changes, as the relay's batches are.
          const attributes = {
            'strangler.sync.feed': feed.feedName,
            'strangler.sync.events': batch.entriesRead,
          };
          return inRootSpan('sync poller batch', { attributes, startTime }, () => applyBatch(client, batch));
        }
        await client.query('ROLLBACK');
        await resyncAll({ ...deps, feedName: feed.feedName, batchSize: options.batchSize });
        await moveCheckpoint(client, feed.feedName, batch.next);
        return { entriesRead: 0, changes: 0, outcomes: {}, resynced: true, held: 0 };
      });
    } catch (error: unknown) {
      await recordCheckpointError(pool, feed.feedName, error);
      throw error;
    }
  }

  /** Applies a batch (and the held changes) read in the checkpoint's transaction, advances the checkpoint and commits. */
  async function applyBatch(client: pg.PoolClient, batch: LegacyChangeBatch): Promise<PollResult> {
    const { changes, results, held } = await applyHolding(client, latestChangePerKey(batch));
    const conflicts = await recordLegacyResults(client, changes, results, ownership);
    const changedAt = batch.changes.map((c) => c.changedAt.getTime());
    const caughtUp = batch.entriesRead < options.batchSize;
    await advanceCheckpoint(client, feed.feedName, batch.next, changedAt, caughtUp);
    await client.query('COMMIT');

    countRecorded(metrics, 'legacy_to_new', changes, results, conflicts);
    noteLag(metrics, changedAt, batch.entriesRead);
    return {
      entriesRead: batch.entriesRead,
      changes: changes.length,
      outcomes: tallyOutcomes(results),
      resynced: false,
      held,
    };
  }

  /** Applies the changes with the held ones; what is refused for now is held instead of recorded. */
  async function applyHolding(client: pg.PoolClient, batchChanges: SyncChange[]) {
    const bound = deps.reader === undefined ? { rounds: 0, ms: 0 } : options.holdRefused;
    const held = deps.reader === undefined ? [] : await readHeldChanges(client, feed.feedName);
    const changes =
      deps.reader === undefined ? batchChanges : await withHeldChanges(batchChanges, held, deps.reader);
    const results = await applyLegacyChangesToNew(client, changes, ownership);
    return holdRetryable(client, feed.feedName, { changes, results }, held, bound);
  }

  async function pruneIfDue(): Promise<void> {
    if (feed.prune === undefined || !pruneDue()) return;
    const position = await readCheckpoint(pool, feed.feedName);
    if (position !== null) await feed.prune(position);
  }

  const loop = createPollingLoop({
    loops: 1,
    idlePollMs: options.idlePollMs,
    round: async () => {
      const result = await runOnce();
      await pruneIfDue();
      return result.entriesRead < options.batchSize ? 'idle' : 'busy';
    },
    onError: (error) =>
      logger.warn('sync poller: batch failed, retrying', { feed: feed.feedName, ...errorDetails(error) }),
  });
  return { runOnce, start: loop.start, stop: loop.stop };
}

/** The feed's lag: the oldest change just applied, or none once a round finds nothing. */
function noteLag(metrics: SyncMetrics | undefined, changedAt: readonly number[], entriesRead: number): void {
  if (changedAt.length > 0) {
    metrics?.lagSeconds.set(
      { direction: 'legacy_to_new' },
      Math.max(0, (Date.now() - Math.min(...changedAt)) / 1000),
    );
  } else if (entriesRead === 0) {
    metrics?.lagSeconds.set({ direction: 'legacy_to_new' }, 0);
  }
}
