import type pg from 'pg';

import { canonicalRow } from '../../src/sync/canonical-row.ts';
import type { CanonicalRow } from '../../src/sync/canonical-row.ts';
import { buildSelectByKeys, legacyStandInTarget } from '../../src/sync/pg-sync-sql.ts';
import { inTransaction } from '../../src/sync/pg-transaction.ts';
import { rowMapKey } from '../../src/sync/sync-engine.ts';
import type { LegacyChangeBatch, LegacyChangeFeed, LegacyChangeRef } from '../../src/sync/sync-engine.ts';
import { syncEntityByLegacyTable } from '../../src/sync/sync-entities.ts';
import type { SyncEntity } from '../../src/sync/sync-entities.ts';

/** Position in dbo.SyncChangeLog: the last (transaction id, sequence) read. */
export interface ChangeLogPosition {
  readonly txId: string;
  readonly seq: string;
}

interface LogRow {
  tx_id: string;
  seq: string;
  table_name: string;
  entity_key: string;
  operation: string;
  version: string;
  origin: string;
  changed_at: Date;
}

/*
 * Sequence numbers are handed out before commit, so a plain "Seq > checkpoint" would skip a row whose
 * transaction commits after a later-numbered one has been read. The log therefore also records the
 * writing transaction id, and a read only takes rows of transactions older than its snapshot's xmin:
 * those have all finished, so nothing can appear behind the checkpoint afterwards. Ordered by
 * (TxId, Seq), the checkpoint is a keyset position in that stable set.
 * The rows themselves are read in the same REPEATABLE READ snapshot; applying the current row (with the
 * version guard) rather than replaying each log entry makes the order of entries within a batch moot.
 */
export function createPostgresLegacyChangeFeed(pool: pg.Pool): LegacyChangeFeed {
  return {
    feedName: 'legacy_to_new',
    prune: (position: unknown) => pruneChangeLog(pool, position),
    async readChanges(position: unknown, limit: number): Promise<LegacyChangeBatch> {
      const from = parsePosition(position);
      return inTransaction(
        pool,
        async (client) => {
          const log = await client.query<LogRow>(
            `SELECT "TxId"::text AS tx_id, "Seq"::text AS seq, "TableName" AS table_name, lower("EntityKey") AS entity_key,
                  "Operation" AS operation, "Version"::text AS version, "Origin" AS origin, "ChangedAt" AS changed_at
           FROM dbo."SyncChangeLog"
           WHERE ("TxId", "Seq") > ($1::bigint, $2::bigint)
             AND "TxId" < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
           ORDER BY "TxId", "Seq"
           LIMIT $3`,
            [from.txId, from.seq, limit],
          );
          const changes: LegacyChangeRef[] = [];
          const keysByEntity = new Map<SyncEntity, Set<string>>();
          for (const entry of log.rows) {
            // Written by the relay (origin sync): already on the new side, never sent back.
            if (entry.origin === 'sync') continue;
            const entity = syncEntityByLegacyTable(entry.table_name);
            changes.push({
              entity: entity.name,
              key: entry.entity_key,
              operation: entry.operation === 'D' ? 'delete' : 'upsert',
              version: entry.version,
              changedAt: entry.changed_at,
            });
            const keys = keysByEntity.get(entity) ?? new Set<string>();
            keys.add(entry.entity_key);
            keysByEntity.set(entity, keys);
          }
          const rows = new Map<string, CanonicalRow>();
          for (const [entity, keys] of keysByEntity) {
            const query = buildSelectByKeys(legacyStandInTarget(entity), [...keys]);
            const result = await client.query<Record<string, string | null>>(query.text, query.values);
            for (const raw of result.rows) {
              const row = canonicalRow(entity, raw);
              rows.set(rowMapKey(entity.name, row[entity.key.name] ?? ''), row);
            }
          }
          const last = log.rows.at(-1);
          const next: ChangeLogPosition = last === undefined ? from : { txId: last.tx_id, seq: last.seq };
          return { changes, rows, next, entriesRead: log.rows.length, resyncRequired: false };
        },
        'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
      );
    },
  };
}

function parsePosition(position: unknown): ChangeLogPosition {
  if (typeof position === 'object' && position !== null) {
    const { txId, seq } = position as Record<string, unknown>;
    if (typeof txId === 'string' && typeof seq === 'string') return { txId, seq };
  }
  return { txId: '0', seq: '0' };
}

/** Deletes change-log entries the checkpoint has passed (run by the poller now and then). */
export async function pruneChangeLog(pool: Pick<pg.Pool, 'query'>, position: unknown): Promise<number> {
  const upTo = parsePosition(position);
  const result = await pool.query(
    `DELETE FROM dbo."SyncChangeLog" WHERE ("TxId", "Seq") <= ($1::bigint, $2::bigint)`,
    [upTo.txId, upTo.seq],
  );
  return result.rowCount ?? 0;
}
