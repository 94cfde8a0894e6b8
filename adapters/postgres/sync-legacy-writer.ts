import type pg from 'pg';

import { applyVersionGuarded } from '../../src/sync/pg-apply.ts';
import { legacyStandInTarget } from '../../src/sync/pg-sync-sql.ts';
import { inTransaction } from '../../src/sync/pg-transaction.ts';
import { outcomeToKeep, replayedResult } from '../../src/sync/kept-outcome.ts';
import type { ApplyResult, LegacyWriter, SyncChange } from '../../src/sync/sync-engine.ts';
import type { SyncEntity, SyncOwnership } from '../../src/sync/sync-entities.ts';

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
      return inTransaction(pool, async (client) => {
        await client.query(`SELECT set_config('strangler.origin', 'sync', true)`);
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
        const freshIds = new Set(fresh.rows.map((r) => r.id.toLowerCase()));
        const toApply = changes.filter((c) => freshIds.has(c.eventId.toLowerCase()));
        const applied = await applyVersionGuarded(
          client,
          legacyStandInTarget,
          toApply,
          (entity) => ownership[entity.name] === 'new',
        );
        const kept = applied.flatMap((r) => {
          const keep = outcomeToKeep(r);
          return keep === undefined ? [] : [{ id: r.eventId, ...keep }];
        });
        if (kept.length > 0) {
          await client.query(
            `UPDATE dbo."SyncAppliedEvents" AS a SET "Outcome" = k.outcome, "Detail" = k.detail::jsonb
             FROM unnest($1::uuid[], $2::text[], $3::text[]) AS k(id, outcome, detail) WHERE a."EventId" = k.id`,
            [kept.map((k) => k.id), kept.map((k) => k.outcome), kept.map((k) => k.detail)],
          );
        }
        const duplicates = changes
          .filter((c) => !freshIds.has(c.eventId.toLowerCase()))
          .map((c) => c.eventId);
        const replayed = new Map<string, ApplyResult>();
        if (duplicates.length > 0) {
          const rows = await client.query<{ id: string; outcome: string | null; detail: unknown }>(
            `SELECT "EventId"::text AS id, "Outcome" AS outcome, "Detail" AS detail FROM dbo."SyncAppliedEvents"
             WHERE "EventId" = ANY($1::uuid[]) AND "Outcome" IS NOT NULL`,
            [duplicates],
          );
          for (const row of rows.rows) replayed.set(row.id, replayedResult(row.id, row.outcome, row.detail));
        }
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
      });
    },
    async ping(): Promise<void> {
      await pool.query('SELECT 1');
    },
    async pruneApplied(olderThan: Date, batchSize: number): Promise<number> {
      let total = 0;
      for (;;) {
        const result = await pool.query(
          `DELETE FROM dbo."SyncAppliedEvents" WHERE "EventId" IN (
             SELECT "EventId" FROM dbo."SyncAppliedEvents" WHERE "AppliedAt" < $1::timestamptz AT TIME ZONE 'UTC' LIMIT $2)`,
          [olderThan.toISOString(), batchSize],
        );
        const n = result.rowCount ?? 0;
        total += n;
        if (n < batchSize) return total;
      }
    },
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
