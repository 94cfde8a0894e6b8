import type pg from 'pg';

import { applyVersionGuarded } from '../../src/sync/pg-apply.ts';
import type { ApplySide } from '../../src/sync/pg-apply.ts';
import { legacyStandInTarget } from '../../src/sync/pg-sync-sql.ts';
import { inTransaction } from '../../src/sync/pg-transaction.ts';
import { outcomeToKeep, replayedResult } from '../../src/sync/kept-outcome.ts';
import type { ApplyResult, LegacyWriter, SyncChange } from '../../src/sync/sync-engine.ts';
import type { SyncEntity, SyncOwnership } from '../../src/sync/sync-entities.ts';
import type { Queryable } from '../../src/sync/pg-transaction.ts';

/**
 * PostgreSQL → legacy on the stand-in. One transaction per batch:
 *  1. `strangler.origin = sync` for this transaction only, so the change-log trigger marks these writes
 *     and the change poller does not send them back (CHANGE_TRACKING_CONTEXT on SQL Server);
 *  2. event ids into dbo.SyncAppliedEvents; ids already there are duplicates and are not applied again;
 *  3. the version-guarded upserts/deletes of the rest.
 */
export function createPostgresLegacyWriter(pool: pg.Pool): LegacyWriter {
  return {
    async applyBatch(changes: readonly SyncChange[], ownership: SyncOwnership): Promise<ApplyResult[]> {
      if (changes.length === 0) return [];
      return inTransaction(pool, (client) => applyOnce(client, changes, ownership));
    },
    async ping(): Promise<void> {
      await pool.query('SELECT 1');
    },
    pruneApplied: (olderThan, batchSize) => pruneApplied(pool, olderThan, batchSize),
    async bumpVersion(entity: SyncEntity, key: string, atLeast: string, origin: string): Promise<boolean> {
      const target = legacyStandInTarget(entity);
      return inTransaction(pool, async (client) => {
        await client.query(`SELECT set_config('strangler.origin', $1, true)`, [origin]);
        const result = await client.query(
          `UPDATE ${target.table} SET "Version" = GREATEST("Version", $2::bigint) + 1 WHERE ${target.columnName(entity.key)} = $1::uuid`,
          [key, atLeast],
        );
        return (result.rowCount ?? 0) > 0;
      });
    },
  };
}

/** Applies each event once: a duplicate reports the outcome kept from its first delivery, if any. */
async function applyOnce(
  client: Queryable,
  changes: readonly SyncChange[],
  ownership: SyncOwnership,
): Promise<ApplyResult[]> {
  await client.query(`SELECT set_config('strangler.origin', 'sync', true)`);
  const fresh = await recordEventIds(client, changes);
  const isFresh = (c: SyncChange) => fresh.has(c.eventId.toLowerCase());
  const side: ApplySide = {
    targetOf: legacyStandInTarget,
    writerOwns: (entity) => ownership[entity.name] === 'new',
  };
  const applied = await applyVersionGuarded(client, side, changes.filter(isFresh));
  await keepOutcomes(client, applied);
  const replayed = await keptOutcomes(
    client,
    changes.filter((c) => !isFresh(c)).map((c) => c.eventId),
  );
  const byId = new Map(applied.map((r) => [r.eventId, r]));
  return changes.map(
    (c) =>
      byId.get(c.eventId) ??
      replayed.get(c.eventId.toLowerCase()) ?? {
        eventId: c.eventId,
        outcome: 'duplicate' as const,
        current: null,
      },
  );
}

/** The lower-case ids of the events not applied before, now recorded in dbo.SyncAppliedEvents. */
async function recordEventIds(client: Queryable, changes: readonly SyncChange[]): Promise<Set<string>> {
  const fresh = await client.query<{ id: string }>(
    `INSERT INTO dbo."SyncAppliedEvents" ("EventId", "Entity", "EntityKey", "Version")
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[])
     ON CONFLICT ("EventId") DO NOTHING RETURNING "EventId"::text AS id`,
    [
      changes.map((c) => c.eventId),
      changes.map((c) => c.entity),
      changes.map((c) => c.key),
      changes.map((c) => c.version),
    ],
  );
  return new Set(fresh.rows.map((r) => r.id.toLowerCase()));
}

/** Stores the outcomes a redelivery must report again (src/sync/kept-outcome.ts). */
async function keepOutcomes(client: Queryable, applied: readonly ApplyResult[]): Promise<void> {
  const kept = applied.flatMap((r) => {
    const keep = outcomeToKeep(r);
    return keep === undefined ? [] : [{ id: r.eventId, ...keep }];
  });
  if (kept.length === 0) return;
  await client.query(
    `UPDATE dbo."SyncAppliedEvents" AS a SET "Outcome" = k.outcome, "Detail" = k.detail::jsonb
     FROM unnest($1::uuid[], $2::text[], $3::text[]) AS k(id, outcome, detail) WHERE a."EventId" = k.id`,
    [kept.map((k) => k.id), kept.map((k) => k.outcome), kept.map((k) => k.detail)],
  );
}

/** The outcomes kept for duplicate events, by lower-case event id. */
async function keptOutcomes(
  client: Queryable,
  duplicates: readonly string[],
): Promise<Map<string, ApplyResult>> {
  const replayed = new Map<string, ApplyResult>();
  if (duplicates.length === 0) return replayed;
  const rows = await client.query<{ id: string; outcome: string | null; detail: unknown }>(
    `SELECT "EventId"::text AS id, "Outcome" AS outcome, "Detail" AS detail FROM dbo."SyncAppliedEvents"
     WHERE "EventId" = ANY($1::uuid[]) AND "Outcome" IS NOT NULL`,
    [duplicates],
  );
  for (const row of rows.rows) replayed.set(row.id, replayedResult(row.id, row.outcome, row.detail));
  return replayed;
}

/** Applied-event records and tombstones past retention: by then no outbox event can still carry their keys. */
async function pruneApplied(pool: pg.Pool, olderThan: Date, batchSize: number): Promise<number> {
  const applied = await pruneOlder(pool, 'dbo."SyncAppliedEvents"', '"AppliedAt"', olderThan, batchSize);
  await pruneOlder(pool, 'dbo."SyncTombstones"', '"DeletedAt"', olderThan, batchSize);
  return applied;
}

async function pruneOlder(
  pool: pg.Pool,
  table: string,
  column: string,
  olderThan: Date,
  batchSize: number,
): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await pool.query(
      `DELETE FROM ${table} WHERE ctid IN (
         SELECT ctid FROM ${table} WHERE ${column} < $1::timestamptz AT TIME ZONE 'UTC' LIMIT $2)`,
      [olderThan.toISOString(), batchSize],
    );
    const n = result.rowCount ?? 0;
    total += n;
    if (n < batchSize) return total;
  }
}
