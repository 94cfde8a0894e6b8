import { randomUUID } from 'node:crypto';

import type pg from 'pg';

import type { Logger } from '../observability/logger.ts';
import { errorDetails } from '../observability/logger.ts';
import { backoffDelayMs, LOOP_BACKOFF } from './backoff.ts';
import { applyLegacyChangesToNew } from './pg-apply.ts';
import { newSideTarget } from './pg-sync-sql.ts';
import { inTransaction, rollback } from './pg-transaction.ts';
import { rowMapKey, scannedRowsAsUpserts } from './sync-engine.ts';
import type { LegacyChangeFeed, LegacyRowReader, SyncChange } from './sync-engine.ts';
import { SYNC_ENTITIES, versionColumn } from './sync-entities.ts';
import type { SyncOwnership } from './sync-entities.ts';
import type { SyncMetrics } from './sync-metrics.ts';
import { countConflicts, countResults, recordResults } from './sync-records.ts';

export interface ChangePollerOptions {
  readonly batchSize: number;
  readonly idlePollMs: number;
  /** How often feed entries behind the committed checkpoint are deleted (feeds that support it). */
  readonly pruneEveryMs: number;
}

export const DEFAULT_POLLER_OPTIONS: ChangePollerOptions = {
  batchSize: 1000,
  idlePollMs: 100,
  pruneEveryMs: 60_000,
};

export interface ChangePollerDeps {
  /** The new database: rows and the checkpoint are written here in one transaction. */
  readonly pool: pg.Pool;
  readonly feed: LegacyChangeFeed;
  /** Needed for a full re-sync when the feed's checkpoint fell out of retention (SQL Server). */
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
}

export interface ChangePoller {
  runOnce(): Promise<PollResult>;
  start(): void;
  stop(): Promise<void>;
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
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  async function runOnce(): Promise<PollResult> {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query(
        `INSERT INTO strangler.sync_checkpoints (feed, position) VALUES ($1, 'null'::jsonb) ON CONFLICT (feed) DO NOTHING`,
        [feed.feedName],
      );
      await client.query('BEGIN');
      const checkpoint = await client.query<{ position: unknown }>(
        `SELECT position FROM strangler.sync_checkpoints WHERE feed = $1 FOR UPDATE`,
        [feed.feedName],
      );
      const batch = await feed.readChanges(checkpoint.rows[0]?.position ?? null, options.batchSize);
      if (batch.resyncRequired) {
        await client.query('ROLLBACK');
        await resyncAll();
        await client.query(
          `UPDATE strangler.sync_checkpoints SET position = $2::jsonb, updated_at = now() WHERE feed = $1`,
          [feed.feedName, JSON.stringify(batch.next)],
        );
        return { entriesRead: 0, changes: 0, outcomes: {}, resynced: true };
      }

      // One change per key: the current row if legacy still has it, else a delete at the last version seen.
      const latest = new Map<string, SyncChange>();
      for (const ref of batch.changes) {
        const id = rowMapKey(ref.entity, ref.key);
        const row = batch.rows.get(id) ?? null;
        const previous = latest.get(id);
        const version =
          row?.version ??
          (previous !== undefined && BigInt(previous.version) > BigInt(ref.version)
            ? previous.version
            : ref.version);
        latest.set(id, {
          eventId: previous?.eventId ?? randomUUID(),
          entity: ref.entity,
          key: ref.key,
          operation: row === null ? 'delete' : 'upsert',
          version,
          row,
        });
      }
      const changes = [...latest.values()];
      const results = await applyLegacyChangesToNew(client, changes, ownership);
      const conflicts = await recordResults(client, 'legacy_to_new', changes, results, ownership);
      const changedAt = batch.changes.map((c) => c.changedAt.getTime());
      await client.query(
        `UPDATE strangler.sync_checkpoints SET position = $2::jsonb, updated_at = now(), last_error = NULL,
           last_change_at = COALESCE(to_timestamp($3::double precision / 1000), last_change_at)
         WHERE feed = $1`,
        [feed.feedName, JSON.stringify(batch.next), changedAt.length === 0 ? null : Math.max(...changedAt)],
      );
      await client.query('COMMIT');

      countResults(metrics, 'legacy_to_new', changes, results);
      countConflicts(metrics, conflicts);
      if (changedAt.length > 0) {
        metrics?.lagSeconds.set(
          { direction: 'legacy_to_new' },
          Math.max(0, (Date.now() - Math.min(...changedAt)) / 1000),
        );
      } else if (batch.entriesRead === 0) {
        metrics?.lagSeconds.set({ direction: 'legacy_to_new' }, 0);
      }
      const outcomes: Record<string, number> = {};
      for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      return { entriesRead: batch.entriesRead, changes: changes.length, outcomes, resynced: false };
    } catch (error: unknown) {
      broken = !(await rollback(client));
      try {
        await pool.query(`UPDATE strangler.sync_checkpoints SET last_error = $2 WHERE feed = $1`, [
          feed.feedName,
          error instanceof Error ? error.message : String(error),
        ]);
      } catch {
        // The new database is the one failing; the error is thrown below either way.
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /**
   * Copies every legacy row with the version guard: the feed can no longer say what changed. Rows
   * legacy deleted while the feed was out of retention are found too: every key legacy still has is
   * noted (a temporary table on a connection of its own), and afterwards a new-side row of an entity
   * legacy owns whose key legacy no longer has is deleted, children first, at the version it has, unless
   * a change of the new side for it is still on its way to legacy (pending in the outbox or dead-lettered).
   */
  async function resyncAll(): Promise<void> {
    const reader = deps.reader;
    if (reader === undefined)
      throw new Error(`feed ${feed.feedName} needs a full re-sync but no row reader was given`);
    logger.warn('sync poller: checkpoint fell out of change retention, re-syncing every row', {
      feed: feed.feedName,
    });
    const seen = await pool.connect();
    let seenBroken = false;
    try {
      await seen.query(
        `CREATE TEMPORARY TABLE IF NOT EXISTS resync_seen (entity text NOT NULL, key text NOT NULL, PRIMARY KEY (entity, key))`,
      );
      await seen.query(`TRUNCATE resync_seen`);
      const entities = [...SYNC_ENTITIES].sort((a, b) => a.order - b.order);
      for (const entity of entities) {
        let after: string | null = null;
        for (;;) {
          const rows = await reader.scan(entity, after, options.batchSize);
          if (rows.length === 0) break;
          const changes = scannedRowsAsUpserts(entity, rows);
          await applyChanges(changes, 'resync');
          await seen.query(
            `INSERT INTO resync_seen (entity, key) SELECT $1, k FROM unnest($2::text[]) AS k ON CONFLICT DO NOTHING`,
            [entity.name, changes.map((c) => c.key)],
          );
          after = changes.at(-1)?.key ?? null;
        }
      }
      for (const entity of [...entities].reverse()) {
        if (ownership[entity.name] !== 'legacy') continue;
        const target = newSideTarget(entity);
        const key = target.columnName(entity.key);
        const version = target.columnName(versionColumn(entity));
        let deleted = 0;
        let after = '';
        for (;;) {
          const gone = await seen.query<{ key: string; version: string }>(
            `SELECT lower(t.${key}::text) AS key, t.${version}::text AS version FROM ${target.table} AS t
             WHERE lower(t.${key}::text) > $2
               AND NOT EXISTS (SELECT 1 FROM resync_seen s WHERE s.entity = $1 AND s.key = lower(t.${key}::text))
               AND NOT EXISTS (SELECT 1 FROM strangler.sync_outbox o
                               WHERE o.status = 'pending' AND o.entity = $1 AND o.entity_key = lower(t.${key}::text))
               AND NOT EXISTS (SELECT 1 FROM strangler.sync_dead_letters d
                               WHERE d.replayed_at IS NULL AND d.entity = $1 AND d.entity_key = lower(t.${key}::text))
             ORDER BY lower(t.${key}::text) LIMIT $3`,
            [entity.name, after, options.batchSize],
          );
          if (gone.rows.length === 0) break;
          await applyChanges(
            gone.rows.map((row) => ({
              eventId: randomUUID(),
              entity: entity.name,
              key: row.key,
              operation: 'delete' as const,
              version: row.version,
              row: null,
            })),
            'resync',
          );
          deleted += gone.rows.length;
          after = gone.rows.at(-1)?.key ?? after;
        }
        if (deleted > 0) {
          logger.warn('sync poller: re-sync deleted rows legacy no longer has', {
            feed: feed.feedName,
            entity: entity.name,
            deleted,
          });
        }
      }
      await seen.query(`DROP TABLE resync_seen`);
    } catch (error: unknown) {
      seenBroken = true;
      throw error;
    } finally {
      seen.release(seenBroken);
    }
  }

  /** Applies changes with the version guard in one transaction on the new side, recorded and audited. */
  async function applyChanges(changes: readonly SyncChange[], actor: string): Promise<void> {
    const { results, conflicts } = await inTransaction(pool, async (client) => {
      const results = await applyLegacyChangesToNew(client, changes, ownership);
      const conflicts = await recordResults(client, 'legacy_to_new', changes, results, ownership, actor);
      return { results, conflicts };
    });
    countResults(metrics, 'legacy_to_new', changes, results);
    countConflicts(metrics, conflicts);
  }

  async function sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    wake = undefined;
  }

  let lastPrune = Date.now();
  async function pruneIfDue(): Promise<void> {
    if (feed.prune === undefined || Date.now() - lastPrune < options.pruneEveryMs) return;
    lastPrune = Date.now();
    const checkpoint = await pool.query<{ position: unknown }>(
      `SELECT position FROM strangler.sync_checkpoints WHERE feed = $1`,
      [feed.feedName],
    );
    const position = checkpoint.rows[0]?.position ?? null;
    if (position !== null) await feed.prune(position);
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (running) {
      try {
        const result = await runOnce();
        await pruneIfDue();
        failures = 0;
        if (result.entriesRead < options.batchSize) await sleep(options.idlePollMs);
      } catch (error: unknown) {
        failures += 1;
        logger.warn('sync poller: batch failed, retrying', { feed: feed.feedName, ...errorDetails(error) });
        await sleep(backoffDelayMs(failures, LOOP_BACKOFF));
      }
    }
  }

  return {
    runOnce,
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      loop = undefined;
    },
  };
}
