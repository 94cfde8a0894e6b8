import { canonicalRow } from '../../src/sync/canonical-row.ts';
import type { CanonicalRow } from '../../src/sync/canonical-row.ts';
import type { LegacyRowReader } from '../../src/sync/sync-engine.ts';
import type { SyncEntity } from '../../src/sync/sync-entities.ts';
import { bracket } from './sync-session.ts';
import type { MssqlConnector, MssqlStatement } from './sync-session.ts';
import { selectByKeysStatements, selectList } from './sync-write-tsql.ts';

/** A keyset page in SQL Server's own uniqueidentifier order (the caller only passes back the last key). */
export function scanStatement(entity: SyncEntity, afterKey: string | null, limit: number): MssqlStatement {
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`scan limit must be a positive integer (got ${limit})`);
  const key = bracket(entity.key.legacyName);
  return {
    // The limit is a validated integer written into the text: one plan per page size, no parameter needed.
    sql:
      `SELECT TOP (${limit}) ${selectList(entity)} FROM dbo.${bracket(entity.legacyTable)} AS t ` +
      (afterKey === null ? '' : `WHERE t.${key} > @after `) +
      `ORDER BY t.${key}`,
    params: afterKey === null ? [] : [{ name: 'after', type: 'UniqueIdentifier', value: afterKey }],
  };
}

/**
 * One reconciliation bucket: keys whose lower-case text lies in [from, to). SQL Server does not order
 * uniqueidentifier like its text, so this compares the text (a scan, run only for differing buckets).
 */
export function rangeStatement(entity: SyncEntity, from: string, to: string | null): MssqlStatement {
  const text = `LOWER(CONVERT(char(36), t.${bracket(entity.key.legacyName)}))`;
  return {
    sql:
      `SELECT ${selectList(entity)} FROM dbo.${bracket(entity.legacyTable)} AS t WHERE ${text} >= @from` +
      (to === null ? '' : ` AND ${text} < @to`),
    params: [
      { name: 'from', type: 'VarChar', value: from, length: 36 },
      ...(to === null ? [] : [{ name: 'to', type: 'VarChar' as const, value: to, length: 36 }]),
    ],
  };
}

/** The table's row count as SQL Server keeps it per partition (heap or clustered index): no scan. */
export function estimateRowsStatement(entity: SyncEntity): MssqlStatement {
  return {
    sql:
      `SELECT CAST(SUM(p.rows) AS bigint) AS estimate FROM sys.partitions AS p ` +
      `WHERE p.object_id = OBJECT_ID(@table) AND p.index_id IN (0, 1)`,
    params: [{ name: 'table', type: 'NVarChar', value: `dbo.${bracket(entity.legacyTable)}`, length: 300 }],
  };
}

export function createMssqlLegacyReader(connector: MssqlConnector): LegacyRowReader {
  const read = (statements: readonly MssqlStatement[], entity: SyncEntity): Promise<CanonicalRow[]> =>
    connector.transaction('SNAPSHOT', async (session) => {
      const rows: CanonicalRow[] = [];
      for (const statement of statements)
        for (const raw of await session.execute(statement)) rows.push(canonicalRow(entity, raw));
      return rows;
    });
  return {
    async readRows(entity, keys) {
      const rows = await read(selectByKeysStatements(entity, keys), entity);
      return new Map(rows.map((r) => [r[entity.key.name] ?? '', r]));
    },
    scan: (entity, afterKey, limit) => read([scanStatement(entity, afterKey, limit)], entity),
    readRange: (entity, from, to) => read([rangeStatement(entity, from, to)], entity),
    estimateRows: (entity) =>
      connector.transaction('SNAPSHOT', async (session) => {
        const [row] = await session.execute(estimateRowsStatement(entity));
        const estimate = Number(row?.estimate);
        return Number.isFinite(estimate) ? estimate : undefined;
      }),
  };
}
