import type pg from 'pg';

import type { Logger } from '../observability/logger.ts';
import { errorDetails } from '../observability/logger.ts';
import { backoffDelayMs, DEFAULT_BACKOFF, LOOP_BACKOFF } from './backoff.ts';
import type { BackoffOptions } from './backoff.ts';
import type { CanonicalRow } from './canonical-row.ts';
import { isConnectivityError } from './connectivity-error.ts';
import { inTransaction, rollback } from './pg-transaction.ts';
import type { ApplyResult, LegacyWriter, Operation, SyncChange } from './sync-engine.ts';
import type { EntityName, SyncOwnership } from './sync-entities.ts';
import type { SyncMetrics } from './sync-metrics.ts';
import { countConflicts, countResults, recordResults } from './sync-records.ts';
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

export interface OutboxRelay {
  /** Claims and applies one batch. */
  runOnce(): Promise<RelayBatchResult>;
  /** Runs batches until stop(); legacy outages back off without losing or dead-lettering events. */
  start(): void;
  stop(): Promise<void>;
}

/** An outbox row as the change the relay sends to legacy. */
export function outboxRowAsChange(
  row: Pick<OutboxRow, 'event_id' | 'entity' | 'entity_key' | 'operation' | 'version' | 'payload'>,
): SyncChange {
  return {
    eventId: row.event_id,
    entity: row.entity,
    key: row.entity_key,
    operation: row.operation,
    version: row.version,
    row: row.payload,
  };
}

interface OutboxRow {
  id: string;
  event_id: string;
  entity: EntityName;
  entity_key: string;
  operation: Operation;
  version: string;
  payload: CanonicalRow | null;
  attempts: number;
  created_at: Date;
}

/*
 * The claim takes the oldest pending event of each key only: an event is skipped while an earlier event
 * for the same key is still pending, whether it waits for a retry or another relay holds it. That keeps
 * order per key across any number of relays; SKIP LOCKED lets them share the rest without waiting.
 * The row locks are held until the batch is marked done, so a relay that dies mid-batch releases its
 * claim with its connection, and the events are applied again (a no-op thanks to SyncAppliedEvents).
 */
const CLAIM_SQL = `
  SELECT o.id::text AS id, o.event_id::text AS event_id, o.entity, o.entity_key, o.operation,
         o.version::text AS version, o.payload, o.attempts, o.created_at
  FROM strangler.sync_outbox o
  WHERE o.status = 'pending' AND o.next_attempt_at <= now()
    AND NOT EXISTS (
      SELECT 1 FROM strangler.sync_outbox p
      WHERE p.status = 'pending' AND p.entity = o.entity AND p.entity_key = o.entity_key AND p.id < o.id)
  ORDER BY o.id
  LIMIT $1
  FOR UPDATE SKIP LOCKED`;

export function createOutboxRelay(deps: OutboxRelayDeps): OutboxRelay {
  const options: OutboxRelayOptions = { ...DEFAULT_RELAY_OPTIONS, ...deps.options };
  const { pool, writer, ownership, logger, metrics } = deps;
  let running = false;
  let loops: Promise<void>[] = [];
  const wakers = new Set<() => void>();
  let lastRetention = 0;

  const toChange = outboxRowAsChange;

  async function applyIsolated(
    changes: readonly SyncChange[],
  ): Promise<{ results: ApplyResult[]; failures: Map<string, unknown>; legacyDown: boolean }> {
    const results: ApplyResult[] = [];
    const failures = new Map<string, unknown>();
    for (const change of changes) {
      try {
        results.push(...(await writer.applyBatch([change], ownership)));
      } catch (error: unknown) {
        if (isConnectivityError(error)) return { results, failures, legacyDown: true };
        failures.set(change.eventId, error);
      }
    }
    return { results, failures, legacyDown: false };
  }

  async function runOnce(): Promise<RelayBatchResult> {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const claimed = (await client.query<OutboxRow>(CLAIM_SQL, [options.batchSize])).rows;
      if (claimed.length === 0) {
        await client.query('COMMIT');
        return { claimed: 0, outcomes: {}, failed: 0, deadLettered: 0, legacyUnavailable: false };
      }
      const changes = claimed.map(toChange);
      let results: ApplyResult[];
      let failures = new Map<string, unknown>();
      try {
        results = await writer.applyBatch(changes, ownership);
      } catch (batchError: unknown) {
        const down = isConnectivityError(batchError) || !(await answers(writer));
        if (down) {
          await client.query('ROLLBACK');
          logger.warn('sync relay: legacy database unavailable, backing off', errorDetails(batchError));
          return legacyUnavailable(claimed.length);
        }
        // One bad event must not hold back the others: apply one by one to find it.
        const isolated = await applyIsolated(changes);
        if (isolated.legacyDown) {
          await client.query('ROLLBACK');
          return legacyUnavailable(claimed.length);
        }
        results = isolated.results;
        failures = isolated.failures;
      }

      const done = changes.filter((c) => !failures.has(c.eventId));
      const outcomeOf = new Map(results.map((r) => [r.eventId, r.outcome]));
      await client.query(
        `UPDATE strangler.sync_outbox o SET status = 'done', done_at = clock_timestamp(), outcome = u.outcome,
           attempts = o.attempts + 1, last_error = NULL
         FROM unnest($1::bigint[], $2::text[]) AS u(id, outcome) WHERE o.id = u.id`,
        [
          claimed.filter((r) => !failures.has(r.event_id)).map((r) => r.id),
          claimed.filter((r) => !failures.has(r.event_id)).map((r) => outcomeOf.get(r.event_id) ?? 'applied'),
        ],
      );
      const conflicts = await recordResults(client, 'new_to_legacy', done, results, ownership);
      let deadLettered = 0;
      for (const row of claimed) {
        const error = failures.get(row.event_id);
        if (error === undefined) continue;
        const message = error instanceof Error ? error.message : String(error);
        const attempts = row.attempts + 1;
        if (attempts >= options.maxAttempts) {
          deadLettered += 1;
          await client.query(
            `WITH moved AS (DELETE FROM strangler.sync_outbox WHERE id = $1 RETURNING *)
             INSERT INTO strangler.sync_dead_letters
               (event_id, outbox_id, entity, entity_key, operation, version, payload, attempts, last_error, created_at)
             SELECT event_id, id, entity, entity_key, operation, version, payload, $2, $3, created_at FROM moved
             ON CONFLICT (event_id) DO UPDATE SET attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error,
               dead_at = now(), replayed_at = NULL, replayed_by = NULL`,
            [row.id, attempts, message],
          );
          await client.query(
            `INSERT INTO strangler.sync_audit (direction, entity, entity_key, event_id, version, outcome, detail)
             VALUES ('new_to_legacy', $1, $2, $3, $4, 'dead_letter', $5::jsonb)`,
            [
              row.entity,
              row.entity_key,
              row.event_id,
              row.version,
              JSON.stringify({ error: message, attempts }),
            ],
          );
          logger.error('sync relay: event moved to the dead-letter table', {
            eventId: row.event_id,
            entity: row.entity,
            key: row.entity_key,
            attempts,
            error: message,
          });
        } else {
          await client.query(
            `UPDATE strangler.sync_outbox SET attempts = $2, last_error = $3,
               next_attempt_at = now() + make_interval(secs => $4::double precision / 1000)
             WHERE id = $1`,
            [row.id, attempts, message, backoffDelayMs(attempts, options.backoff)],
          );
        }
      }
      await client.query('COMMIT');

      countResults(metrics, 'new_to_legacy', done, results);
      countConflicts(metrics, conflicts);
      for (const row of claimed) {
        if (failures.has(row.event_id))
          metrics?.applied.inc({ entity: row.entity, direction: 'new_to_legacy', outcome: 'failed' });
      }
      if (done.length > 0) {
        const oldest = Math.min(
          ...claimed.filter((r) => !failures.has(r.event_id)).map((r) => r.created_at.getTime()),
        );
        metrics?.lagSeconds.set({ direction: 'new_to_legacy' }, Math.max(0, (Date.now() - oldest) / 1000));
      }
      const outcomes: Record<string, number> = {};
      for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      return {
        claimed: claimed.length,
        outcomes,
        failed: failures.size,
        deadLettered,
        legacyUnavailable: false,
      };
    } catch (error: unknown) {
      broken = !(await rollback(client));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async function purgeIfDue(): Promise<void> {
    if (Date.now() - lastRetention < options.retentionEveryMs) return;
    lastRetention = Date.now();
    await purgeSyncHistory(pool, options.retentionMs);
    const pruned = await writer.pruneApplied(new Date(Date.now() - options.retentionMs), 5000);
    if (pruned > 0) logger.info('sync relay: applied-event records past retention deleted', { pruned });
  }

  async function sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      wakers.add(wake);
    });
  }

  async function run(): Promise<void> {
    let outageAttempt = 0;
    let lastGauges = 0;
    while (running) {
      try {
        const result = await runOnce();
        if (metrics !== undefined && Date.now() - lastGauges > 1000) {
          lastGauges = Date.now();
          await refreshOutboxGauges(pool, metrics);
        }
        await purgeIfDue();
        if (result.legacyUnavailable) {
          outageAttempt += 1;
          await sleep(backoffDelayMs(outageAttempt, LOOP_BACKOFF));
        } else {
          outageAttempt = 0;
          if (result.claimed < options.batchSize) await sleep(options.idlePollMs);
        }
      } catch (error: unknown) {
        // The new database itself failed (or a bug): log, back off, keep the loop alive.
        outageAttempt += 1;
        logger.warn('sync relay: batch failed', errorDetails(error));
        await sleep(backoffDelayMs(outageAttempt, LOOP_BACKOFF));
      }
    }
  }

  return {
    runOnce,
    start() {
      if (running) return;
      running = true;
      loops = Array.from({ length: Math.max(1, options.concurrency) }, () => run());
    },
    async stop() {
      running = false;
      for (const wake of [...wakers]) wake();
      await Promise.all(loops);
      loops = [];
    },
  };
}

async function answers(writer: LegacyWriter): Promise<boolean> {
  try {
    await writer.ping();
    return true;
  } catch {
    return false;
  }
}

/** A batch left in the outbox because legacy is down: nothing counts as an attempt. */
function legacyUnavailable(claimed: number): RelayBatchResult {
  return { claimed, outcomes: {}, failed: 0, deadLettered: 0, legacyUnavailable: true };
}

/** Deletes done outbox rows and audit rows older than `retentionMs`, so neither table grows without bound. */
export async function purgeSyncHistory(pool: Pick<pg.Pool, 'query'>, retentionMs: number): Promise<void> {
  const seconds = retentionMs / 1000;
  await pool.query(
    `DELETE FROM strangler.sync_outbox WHERE status = 'done' AND done_at < now() - make_interval(secs => $1::double precision)`,
    [seconds],
  );
  await pool.query(
    `DELETE FROM strangler.sync_audit WHERE at < now() - make_interval(secs => $1::double precision)`,
    [seconds],
  );
}

/**
 * Operator action: puts a dead-lettered event back in the outbox with fresh attempts. It keeps its event
 * id, so if it did reach legacy after all, applying it again changes nothing; the version guard keeps an
 * old version from overwriting newer rows. Returns false when there is no such dead letter.
 */
export async function replayDeadLetter(pool: pg.Pool, eventId: string, actor: string): Promise<boolean> {
  return inTransaction(pool, async (client) => {
    const moved = await client.query(
      `WITH dl AS (
         UPDATE strangler.sync_dead_letters SET replayed_at = now(), replayed_by = $2
         WHERE event_id = $1::uuid AND replayed_at IS NULL RETURNING *)
       INSERT INTO strangler.sync_outbox (event_id, entity, entity_key, operation, version, payload, created_at)
       SELECT event_id, entity, entity_key, operation, version, payload, created_at FROM dl
       RETURNING entity, entity_key, version`,
      [eventId, actor],
    );
    const row = moved.rows[0] as { entity: string; entity_key: string; version: string } | undefined;
    if (row !== undefined) {
      await client.query(
        `INSERT INTO strangler.sync_audit (direction, entity, entity_key, event_id, version, outcome, actor)
         VALUES ('new_to_legacy', $1, $2, $3, $4, 'replayed', $5)`,
        [row.entity, row.entity_key, eventId, row.version, actor],
      );
    }
    return row !== undefined;
  });
}
