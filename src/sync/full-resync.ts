import { randomUUID } from 'node:crypto';

import type pg from 'pg';

import type { Logger } from '../observability/logger.ts';
import { applyAndRecordLegacyChanges } from './apply-legacy-changes.ts';
import { newSideTarget } from './pg-sync-sql.ts';
import { inTransaction } from './pg-transaction.ts';
import { scannedRowsAsUpserts } from './sync-engine.ts';
import type { LegacyRowReader, SyncChange } from './sync-engine.ts';
import { SYNC_ENTITIES, versionColumn } from './sync-entities.ts';
import type { SyncEntity, SyncOwnership } from './sync-entities.ts';
import type { SyncMetrics } from './sync-metrics.ts';
import { countRecorded } from './sync-records.ts';

export interface FullResyncDeps {
  /** The new database. */
  readonly pool: pg.Pool;
  readonly feedName: string;
  readonly reader?: LegacyRowReader;
  readonly ownership: SyncOwnership;
  readonly logger: Logger;
  readonly metrics?: SyncMetrics;
  readonly batchSize: number;
}

/**
 * Copies every legacy row with the version guard: the feed can no longer say what changed. Rows
 * legacy deleted while the feed was out of retention are found too: every key legacy still has is
 * noted (a temporary table on a connection of its own), and afterwards a new-side row of an entity
 * legacy owns whose key legacy no longer has is deleted, children first, at the version it has, unless
 * a change of the new side for it is still on its way to legacy (pending in the outbox or dead-lettered).
 */
export async function resyncAll(deps: FullResyncDeps): Promise<void> {
  const { reader, feedName } = deps;
  if (reader === undefined)
    throw new Error(`feed ${feedName} needs a full re-sync but no row reader was given`);
  deps.logger.warn('sync poller: checkpoint fell out of change retention, re-syncing every row', {
    feed: feedName,
  });
  const seen = await deps.pool.connect();
  let seenBroken = false;
  try {
    await seen.query(
      `CREATE TEMPORARY TABLE IF NOT EXISTS resync_seen (entity text NOT NULL, key text NOT NULL, PRIMARY KEY (entity, key))`,
    );
    await seen.query(`TRUNCATE resync_seen`);
    const entities = [...SYNC_ENTITIES].sort((a, b) => a.order - b.order);
    for (const entity of entities) await copyEveryRow(deps, reader, seen, entity);
    for (const entity of [...entities].reverse()) {
      if (deps.ownership[entity.name] === 'legacy') await deleteRowsLegacyLost(deps, seen, entity);
    }
    await seen.query(`DROP TABLE resync_seen`);
  } catch (error: unknown) {
    seenBroken = true;
    throw error;
  } finally {
    seen.release(seenBroken);
  }
}

/** Every legacy row of the entity onto the new side, its key noted in resync_seen. */
async function copyEveryRow(
  deps: FullResyncDeps,
  reader: LegacyRowReader,
  seen: pg.PoolClient,
  entity: SyncEntity,
): Promise<void> {
  let after: string | null = null;
  for (;;) {
    const rows = await reader.scan(entity, after, deps.batchSize);
    if (rows.length === 0) return;
    const changes = scannedRowsAsUpserts(entity, rows);
    await applyInOwnTransaction(deps, changes);
    await seen.query(
      `INSERT INTO resync_seen (entity, key) SELECT $1, k FROM unnest($2::text[]) AS k ON CONFLICT DO NOTHING`,
      [entity.name, changes.map((c) => c.key)],
    );
    after = changes.at(-1)?.key ?? null;
  }
}

/** Deletes the new-side rows of the entity legacy no longer has, unless a new-side change of theirs is on its way. */
async function deleteRowsLegacyLost(
  deps: FullResyncDeps,
  seen: pg.PoolClient,
  entity: SyncEntity,
): Promise<void> {
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
      [entity.name, after, deps.batchSize],
    );
    if (gone.rows.length === 0) break;
    await applyInOwnTransaction(
      deps,
      gone.rows.map((row) => ({
        eventId: randomUUID(),
        entity: entity.name,
        key: row.key,
        operation: 'delete' as const,
        version: row.version,
        row: null,
      })),
    );
    deleted += gone.rows.length;
    after = gone.rows.at(-1)?.key ?? after;
  }
  if (deleted > 0) {
    deps.logger.warn('sync poller: re-sync deleted rows legacy no longer has', {
      feed: deps.feedName,
      entity: entity.name,
      deleted,
    });
  }
}

/** One page of the re-sync in a transaction of its own, recorded as the re-sync's and counted. */
async function applyInOwnTransaction(deps: FullResyncDeps, changes: readonly SyncChange[]): Promise<void> {
  const { results, conflicts } = await inTransaction(deps.pool, (client) =>
    applyAndRecordLegacyChanges(client, changes, deps.ownership, 'resync'),
  );
  countRecorded(deps.metrics, 'legacy_to_new', changes, results, conflicts);
}
