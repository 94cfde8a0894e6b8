import type pg from 'pg';

import { canonicalRow } from '../../src/sync/canonical-row.ts';
import type { CanonicalRow } from '../../src/sync/canonical-row.ts';
import { buildSelectByKeys, legacyStandInTarget } from '../../src/sync/pg-sync-sql.ts';
import { inTransaction } from '../../src/sync/pg-transaction.ts';
import { rowMapKey } from '../../src/sync/sync-engine.ts';
import type { LegacyChangeBatch, LegacyChangeFeed, LegacyChangeRef } from '../../src/sync/sync-engine.ts';
import { syncEntityByLegacyTable } from '../../src/sync/sync-entities.ts';
import type { SyncEntity } from '../../src/sync/sync-entities.ts';

/** Position in dbo.SyncChangeLog: the last (commit number, sequence) read. */
export interface ChangeLogPosition {
  readonly commitSeq: string;
  readonly seq: string;
}

interface LogRow {
  commit_seq: string;
  seq: string;
  table_name: string;
  entity_key: string;
  operation: string;
  version: string;
  origin: string;
  changed_at: Date;
}

/*
 * Entries are handed on in commit order: every writing transaction gets a commit number at commit, one
 * transaction at a time (sync migration 006), so a reader that sees number n sees every number below it,
 * and nothing can appear behind the checkpoint afterwards. Ordered by (CommitSeq, Seq), the checkpoint is
 * a keyset position in that stable set, and a parent committed before its child is handed on first.
 * The rows themselves are read in the same REPEATABLE READ snapshot; applying the current row (with the
 * version guard) rather than replaying each log entry makes the order of entries within a batch moot.
 */
export function createPostgresLegacyChangeFeed(pool: pg.Pool): LegacyChangeFeed {
  return {
    feedName: 'legacy_to_new',
    prune: (position: unknown) => pruneChangeLog(pool, position),
    async readChanges(position: unknown, limit: number): Promise<LegacyChangeBatch> {
      return inTransaction(
        pool,
        async (client) => {
          const from = await positionIn(client, position);
          const log = await client.query<LogRow>(
            `SELECT t."CommitSeq"::text AS commit_seq, l."Seq"::text AS seq, l."TableName" AS table_name,
                    lower(l."EntityKey") AS entity_key, l."Operation" AS operation, l."Version"::text AS version,
                    l."Origin" AS origin, l."ChangedAt" AS changed_at
             FROM dbo."SyncTransactions" t JOIN dbo."SyncChangeLog" l ON l."TxId" = t."TxId"
             WHERE (t."CommitSeq", l."Seq") > ($1::bigint, $2::bigint)
             ORDER BY t."CommitSeq", l."Seq"
             LIMIT $3`,
            [from.commitSeq, from.seq, limit],
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
          const next: ChangeLogPosition =
            last === undefined ? from : { commitSeq: last.commit_seq, seq: last.seq };
          return { changes, rows, next, entriesRead: log.rows.length, resyncRequired: false };
        },
        'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
      );
    },
  };
}

const NO_POSITION: ChangeLogPosition = { commitSeq: '0', seq: '0' };

/**
 * The stored checkpoint as a commit-order position. A checkpoint written before commits were numbered
 * holds (TxId, Seq): the log it read was numbered in TxId order, so it maps onto the last numbered
 * transaction at or below its TxId (past all of that transaction when the checkpoint's own is gone).
 */
async function positionIn(client: Pick<pg.Pool, 'query'>, position: unknown): Promise<ChangeLogPosition> {
  if (typeof position !== 'object' || position === null) return NO_POSITION;
  const { commitSeq, txId, seq } = position as Record<string, unknown>;
  if (typeof seq !== 'string') return NO_POSITION;
  if (typeof commitSeq === 'string') return { commitSeq, seq };
  if (typeof txId !== 'string') return NO_POSITION;
  const mapped = await client.query<ChangeLogPosition>(
    `SELECT "CommitSeq"::text AS "commitSeq", CASE WHEN "TxId" = $1::bigint THEN $2 ELSE '${Number.MAX_SAFE_INTEGER}' END AS seq
     FROM dbo."SyncTransactions" WHERE "TxId" <= $1::bigint AND "CommitSeq" IS NOT NULL ORDER BY "TxId" DESC LIMIT 1`,
    [txId, seq],
  );
  return mapped.rows[0] ?? NO_POSITION;
}

/** Deletes change-log entries the checkpoint has passed, and the numbers of transactions left with none. */
export async function pruneChangeLog(pool: Pick<pg.Pool, 'query'>, position: unknown): Promise<number> {
  const upTo = await positionIn(pool, position);
  const gone = await pool.query(
    `DELETE FROM dbo."SyncChangeLog" l USING dbo."SyncTransactions" t
     WHERE l."TxId" = t."TxId" AND (t."CommitSeq", l."Seq") <= ($1::bigint, $2::bigint)`,
    [upTo.commitSeq, upTo.seq],
  );
  await pool.query(
    `DELETE FROM dbo."SyncTransactions" t WHERE t."CommitSeq" < $1::bigint
       AND NOT EXISTS (SELECT 1 FROM dbo."SyncChangeLog" l WHERE l."TxId" = t."TxId")`,
    [upTo.commitSeq],
  );
  return gone.rowCount ?? 0;
}
