import type { Logger } from '../observability/logger.ts';
import { backoffDelayMs } from './backoff.ts';
import type { BackoffOptions } from './backoff.ts';
import { moveToDeadLetters } from './dead-letters.ts';
import { outboxRowAsChange } from './outbox-claim.ts';
import type { OutboxRow } from './outbox-claim.ts';
import type { SentBatch } from './relay-send.ts';
import type { SyncOwnership } from './sync-entities.ts';
import type { SyncMetrics } from './sync-metrics.ts';
import { countRecorded, recordResults } from './sync-records.ts';
import type { RecordedConflict } from './sync-records.ts';
import type { Queryable } from './pg-transaction.ts';

export interface SettleOptions {
  readonly ownership: SyncOwnership;
  /** Attempts before an event moves to the dead-letter table. */
  readonly maxAttempts: number;
  readonly backoff: BackoffOptions;
  readonly logger: Logger;
}

export interface SettledBatch {
  /** The claimed rows legacy took. */
  readonly done: readonly OutboxRow[];
  readonly conflicts: readonly RecordedConflict[];
  readonly deadLettered: number;
}

/**
 * Records what legacy made of a claimed batch, in the claim's transaction: the events it took are done
 * (audited, their conflicts recorded); each one it refused waits for a retry, or moves to the dead
 * letters once it has used up its attempts.
 */
export async function settleBatch(
  client: Queryable,
  claimed: readonly OutboxRow[],
  sent: SentBatch,
  options: SettleOptions,
): Promise<SettledBatch> {
  const done = claimed.filter((r) => !sent.failures.has(r.event_id));
  await markDone(client, done, sent);
  const changes = done.map(outboxRowAsChange);
  const conflicts = await recordResults(client, 'new_to_legacy', changes, sent.results, options.ownership);
  let deadLettered = 0;
  for (const row of claimed) {
    const error = sent.failures.get(row.event_id);
    if (error === undefined) continue;
    if (await retryOrDeadLetter(client, row, error, options)) deadLettered += 1;
  }
  return { done, conflicts, deadLettered };
}

async function markDone(client: Queryable, done: readonly OutboxRow[], sent: SentBatch): Promise<void> {
  const outcomeOf = new Map(sent.results.map((r) => [r.eventId, r.outcome]));
  await client.query(
    `UPDATE strangler.sync_outbox o SET status = 'done', done_at = clock_timestamp(), outcome = u.outcome,
       attempts = o.attempts + 1, last_error = NULL
     FROM unnest($1::bigint[], $2::text[]) AS u(id, outcome) WHERE o.id = u.id`,
    [done.map((r) => r.id), done.map((r) => outcomeOf.get(r.event_id) ?? 'applied')],
  );
}

/** True when the event moved to the dead letters. */
async function retryOrDeadLetter(
  client: Queryable,
  row: OutboxRow,
  error: unknown,
  options: SettleOptions,
): Promise<boolean> {
  const message = error instanceof Error ? error.message : String(error);
  const attempts = row.attempts + 1;
  if (attempts < options.maxAttempts) {
    await client.query(
      `UPDATE strangler.sync_outbox SET attempts = $2, last_error = $3,
         next_attempt_at = now() + make_interval(secs => $4::double precision / 1000)
       WHERE id = $1`,
      [row.id, attempts, message, backoffDelayMs(attempts, options.backoff)],
    );
    return false;
  }
  await moveToDeadLetters(client, row, attempts, message);
  options.logger.error('sync relay: event moved to the dead-letter table', {
    eventId: row.event_id,
    entity: row.entity,
    key: row.entity_key,
    attempts,
    error: message,
  });
  return true;
}

/** The relay's metrics for a settled batch (call after the commit). */
export function countSettled(
  metrics: SyncMetrics | undefined,
  claimed: readonly OutboxRow[],
  sent: SentBatch,
  settled: SettledBatch,
): void {
  countRecorded(
    metrics,
    'new_to_legacy',
    settled.done.map(outboxRowAsChange),
    sent.results,
    settled.conflicts,
  );
  for (const row of claimed) {
    if (sent.failures.has(row.event_id))
      metrics?.applied.inc({ entity: row.entity, direction: 'new_to_legacy', outcome: 'failed' });
  }
  if (settled.done.length > 0) {
    const oldest = Math.min(...settled.done.map((r) => r.created_at.getTime()));
    metrics?.lagSeconds.set({ direction: 'new_to_legacy' }, Math.max(0, (Date.now() - oldest) / 1000));
  }
}
