import type pg from 'pg';

import type { Logger } from '../observability/logger.ts';
import { errorDetails } from '../observability/logger.ts';
import { inRootSpan } from '../observability/tracing.ts';
import { DEFAULT_BACKOFF } from './backoff.ts';
import type { BackoffOptions } from './backoff.ts';
import { claimOutboxBatch, outboxRowAsChange } from './outbox-claim.ts';
import type { OutboxRow } from './outbox-claim.ts';
import { countSettled, settleBatch } from './outbox-settle.ts';
import { withConnection } from './pg-transaction.ts';
import { createPollingLoop, dueEvery } from './polling-loop.ts';
import type { LoopPace, PollingLoop } from './polling-loop.ts';
import { sendBatchToLegacy } from './relay-send.ts';
import type { LegacyWriter } from './sync-engine.ts';
import type { SyncOwnership } from './sync-entities.ts';
import type { SyncMetrics } from './sync-metrics.ts';
import { tallyOutcomes } from './sync-records.ts';
import { purgeSyncHistory } from './sync-retention.ts';
import { refreshOutboxGauges } from './sync-status.ts';

export interface OutboxRelayOptions {
  readonly batchSize: number;
  /** Sleep between polls when the outbox had nothing to claim. */
  readonly idlePollMs: number;
  /** Attempts before an event moves to the dead-letter table. */
  readonly maxAttempts: number;
  readonly backoff: BackoffOptions;
  /** Done outbox rows and audit rows older than this are deleted. */
  readonly retentionMs: number;
  readonly retentionEveryMs: number;
  /** Batches in flight at once in this process (each on its own connections; SKIP LOCKED shares the work). */
  readonly concurrency: number;
}

export const DEFAULT_RELAY_OPTIONS: OutboxRelayOptions = {
  batchSize: 500,
  idlePollMs: 100,
  maxAttempts: 8,
  backoff: DEFAULT_BACKOFF,
  retentionMs: 30 * 24 * 3600_000,
  retentionEveryMs: 3600_000,
  concurrency: 2,
};

export interface OutboxRelayDeps {
  /** The new database (where strangler.sync_outbox lives). */
  readonly pool: pg.Pool;
  readonly writer: LegacyWriter;
  readonly ownership: SyncOwnership;
  readonly logger: Logger;
  readonly metrics?: SyncMetrics;
  readonly options?: Partial<OutboxRelayOptions>;
}

export interface RelayBatchResult {
  readonly claimed: number;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly failed: number;
  readonly deadLettered: number;
  /** True when legacy did not answer: nothing was counted against the events. */
  readonly legacyUnavailable: boolean;
}

/** Runs batches from start() until stop(); legacy outages back off without losing or dead-lettering events. */
export interface OutboxRelay extends PollingLoop {
  /** Claims and applies one batch. */
  runOnce(): Promise<RelayBatchResult>;
}

/**
 * PostgreSQL → legacy. Each batch, in one transaction on the new database: claim the due outbox events
 * (outbox-claim.ts), send them to legacy (relay-send.ts), settle them: done, retried or dead-lettered
 * (outbox-settle.ts). While legacy is down the batch is rolled back untouched.
 */
export function createOutboxRelay(deps: OutboxRelayDeps): OutboxRelay {
  const options: OutboxRelayOptions = { ...DEFAULT_RELAY_OPTIONS, ...deps.options };
  const { pool, writer, ownership, logger, metrics } = deps;
  const gaugesDue = dueEvery(1000);
  const retentionDue = dueEvery(options.retentionEveryMs);

  function runOnce(): Promise<RelayBatchResult> {
    return withConnection(pool, async (client) => {
      const startTime = Date.now();
      await client.query('BEGIN');
      const claimed = await claimOutboxBatch(client, options.batchSize);
      if (claimed.length === 0) {
        await client.query('COMMIT');
        return { claimed: 0, outcomes: {}, failed: 0, deadLettered: 0, legacyUnavailable: false };
      }
      // Traced only once it holds events: an idle poll every second is no one's trace.
      const attributes = { 'strangler.sync.events': claimed.length };
      return inRootSpan('sync relay batch', { attributes, startTime }, () => relayClaimed(client, claimed));
    });
  }

  async function relayClaimed(client: pg.PoolClient, claimed: OutboxRow[]): Promise<RelayBatchResult> {
    const sent = await sendBatchToLegacy(writer, claimed.map(outboxRowAsChange), ownership, logger);
    if (sent === undefined) {
      await client.query('ROLLBACK');
      return legacyUnavailable(claimed.length);
    }
    const settled = await settleBatch(client, claimed, sent, { ...options, ownership, logger });
    await client.query('COMMIT');
    countSettled(metrics, claimed, sent, settled);
    return {
      claimed: claimed.length,
      outcomes: tallyOutcomes(sent.results),
      failed: sent.failures.size,
      deadLettered: settled.deadLettered,
      legacyUnavailable: false,
    };
  }

  async function purgeIfDue(): Promise<void> {
    if (!retentionDue()) return;
    await purgeSyncHistory(pool, options.retentionMs);
    const pruned = await writer.pruneApplied(new Date(Date.now() - options.retentionMs), 5000);
    if (pruned > 0) logger.info('sync relay: applied-event records past retention deleted', { pruned });
  }

  async function round(): Promise<LoopPace> {
    const result = await runOnce();
    if (metrics !== undefined && gaugesDue()) await refreshOutboxGauges(pool, metrics);
    await purgeIfDue();
    if (result.legacyUnavailable) return 'backoff';
    return result.claimed < options.batchSize ? 'idle' : 'busy';
  }

  const loop = createPollingLoop({
    loops: options.concurrency,
    idlePollMs: options.idlePollMs,
    round,
    // The new database itself failed (or a bug): the loop logs, backs off and keeps going.
    onError: (error) => logger.warn('sync relay: batch failed', errorDetails(error)),
  });
  return { runOnce, start: loop.start, stop: loop.stop };
}

/** A batch left in the outbox because legacy is down: nothing counts as an attempt. */
function legacyUnavailable(claimed: number): RelayBatchResult {
  return { claimed, outcomes: {}, failed: 0, deadLettered: 0, legacyUnavailable: true };
}
