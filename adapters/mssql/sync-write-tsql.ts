import type { CanonicalRow } from '../../src/sync/canonical-row.ts';
import type { SyncChange } from '../../src/sync/sync-engine.ts';
import type { SyncEntity } from '../../src/sync/sync-entities.ts';
import { bracket, canonicalReadExpr, chunk, columnParam, rowsPerStatement } from './sync-session.ts';
import type { MssqlParam, MssqlStatement } from './sync-session.ts';

/*
 * The T-SQL the sync writes legacy with: the applied-events record that makes each event apply once,
 * and the version-guarded row writes. Builders only; each splits its rows so no statement passes SQL
 * Server's parameter limit (sync-session.ts). Snapshot-tested in sync-tsql.test.ts.
 */

/**
 * The context the relay's writes carry, so Change Tracking records them as the sync's and the change
 * feed skips them (https://learn.microsoft.com/sql/t-sql/statements/with-change-tracking-context-transact-sql).
 * 0x73796E63 is 'sync' in ASCII.
 */
export const SYNC_CONTEXT = '0x73796E63';

const table = (entity: SyncEntity): string => `dbo.${bracket(entity.legacyTable)}`;

/** Every column of `t` as canonical text under its canonical name. */
export const selectList = (entity: SyncEntity): string =>
  entity.columns
    .map((c) => `${canonicalReadExpr(c, `t.${bracket(c.legacyName)}`)} AS ${bracket(c.name)}`)
    .join(', ');

/** Records event ids; returns the ones not seen before (the others are replays). */
export function appliedEventsStatements(changes: readonly SyncChange[]): MssqlStatement[] {
  return chunk(changes, rowsPerStatement(4)).map((part) => {
    const params: MssqlParam[] = [];
    const rows = part.map((c, i) => {
      params.push(
        { name: `e${i}`, type: 'UniqueIdentifier', value: c.eventId },
        { name: `n${i}`, type: 'VarChar', value: c.entity, length: 64 },
        { name: `k${i}`, type: 'VarChar', value: c.key, length: 64 },
        { name: `v${i}`, type: 'BigInt', value: c.version },
      );
      return `(@e${i}, @n${i}, @k${i}, @v${i})`;
    });
    const sql =
      `INSERT INTO dbo.[SyncAppliedEvents] ([EventId], [Entity], [EntityKey], [Version]) ` +
      `OUTPUT LOWER(CONVERT(char(36), inserted.[EventId])) AS [id] ` +
      `SELECT v.[EventId], v.[Entity], v.[EntityKey], v.[Version] FROM (VALUES ${rows.join(', ')}) AS v ([EventId], [Entity], [EntityKey], [Version]) ` +
      `WHERE NOT EXISTS (SELECT 1 FROM dbo.[SyncAppliedEvents] AS a WITH (UPDLOCK, HOLDLOCK) WHERE a.[EventId] = v.[EventId])`;
    return { sql, params };
  });
}

/** Keeps a lost write's outcome and rows on its applied-events record (src/sync/kept-outcome.ts). */
export function keepOutcomeStatements(
  kept: readonly { readonly eventId: string; readonly outcome: string; readonly detail: string }[],
): MssqlStatement[] {
  return chunk(kept, rowsPerStatement(3)).map((part) => ({
    sql:
      `UPDATE a SET a.[Outcome] = v.[Outcome], a.[Detail] = v.[Detail] FROM dbo.[SyncAppliedEvents] AS a ` +
      `INNER JOIN (VALUES ${part.map((_, i) => `(@e${i}, @o${i}, @d${i})`).join(', ')}) AS v ([EventId], [Outcome], [Detail]) ` +
      `ON a.[EventId] = v.[EventId]`,
    params: part.flatMap((k, i) => [
      { name: `e${i}`, type: 'UniqueIdentifier' as const, value: k.eventId },
      { name: `o${i}`, type: 'VarChar' as const, value: k.outcome, length: 16 },
      // Longer than 4000 characters: tedious declares nvarchar(max).
      { name: `d${i}`, type: 'NVarChar' as const, value: k.detail, length: Math.max(4001, k.detail.length) },
    ]),
  }));
}

/** The kept outcomes of events legacy had applied already (redelivered after a crash). */
export function keptOutcomesStatements(eventIds: readonly string[]): MssqlStatement[] {
  return chunk(eventIds, rowsPerStatement(1)).map((part) => ({
    sql:
      `SELECT LOWER(CONVERT(char(36), [EventId])) AS [id], [Outcome] AS [outcome], [Detail] AS [detail] ` +
      `FROM dbo.[SyncAppliedEvents] WHERE [Outcome] IS NOT NULL ` +
      `AND [EventId] IN (${part.map((_, i) => `@e${i}`).join(', ')})`,
    params: part.map((id, i) => ({ name: `e${i}`, type: 'UniqueIdentifier' as const, value: id })),
  }));
}

/**
 * Version-guarded upsert: MERGE ... WITH (HOLDLOCK) so two writers cannot both take the NOT MATCHED
 * branch for one key (https://michaeljswart.com/2017/07/sql-server-upsert-patterns-and-antipatterns/),
 * tagged with the sync's change-tracking context. A key whose latest change Change Tracking records as a
 * delete is never inserted again: a legacy delete stays a delete. `@allChanges` is NULL, which asks
 * CHANGETABLE for every change it still keeps (the argument must be a variable, not an expression:
 * https://learn.microsoft.com/sql/relational-databases/system-functions/changetable-transact-sql).
 * Returns the keys written.
 */
export function mergeStatements(
  entity: SyncEntity,
  rows: readonly CanonicalRow[],
  writerOwnsEntity: boolean,
): MssqlStatement[] {
  const columns = entity.columns;
  return chunk(rows, rowsPerStatement(columns.length)).map((part) => {
    const params: MssqlParam[] = [
      { name: 'ownerWins', type: 'Bit', value: writerOwnsEntity },
      { name: 'allChanges', type: 'BigInt', value: null },
    ];
    const values = part.map((row, r) => {
      const exprs = columns.map((column, c) => {
        const { param, expr } = columnParam(column, `p${r}_${c}`, row[column.name] ?? null);
        params.push(param);
        return expr;
      });
      return `(${exprs.join(', ')})`;
    });
    const names = columns.map((c) => bracket(c.legacyName));
    const key = bracket(entity.key.legacyName);
    const updates = columns
      .filter((c) => c !== entity.key)
      .map((c) => `t.${bracket(c.legacyName)} = s.${bracket(c.legacyName)}`)
      .join(', ');
    const notDeleted =
      `SELECT * FROM (VALUES ${values.join(', ')}) AS v (${names.join(', ')}) ` +
      `WHERE NOT EXISTS (SELECT 1 FROM CHANGETABLE(CHANGES ${table(entity)}, @allChanges) AS ct ` +
      `WHERE ct.${key} = v.${key} AND ct.SYS_CHANGE_OPERATION = N'D')`;
    const sql =
      `WITH CHANGE_TRACKING_CONTEXT (${SYNC_CONTEXT}) ` +
      `MERGE ${table(entity)} WITH (HOLDLOCK) AS t ` +
      `USING (${notDeleted}) AS s (${names.join(', ')}) ` +
      `ON t.${key} = s.${key} ` +
      `WHEN MATCHED AND (t.[Version] < s.[Version] OR (@ownerWins = 1 AND t.[Version] = s.[Version])) THEN UPDATE SET ${updates} ` +
      `WHEN NOT MATCHED BY TARGET THEN INSERT (${names.join(', ')}) VALUES (${names.map((n) => `s.${n}`).join(', ')}) ` +
      `OUTPUT LOWER(CONVERT(char(36), inserted.${key})) AS [key];`;
    return { sql, params };
  });
}

/** Deletes rows not newer than the deleted version, tagged as the sync's; returns the keys deleted. */
export function deleteStatements(
  entity: SyncEntity,
  items: readonly { key: string; version: string }[],
): MssqlStatement[] {
  return chunk(items, rowsPerStatement(2)).map((part) => {
    const params: MssqlParam[] = [];
    const values = part.map((item, i) => {
      params.push(
        { name: `k${i}`, type: 'UniqueIdentifier', value: item.key },
        { name: `v${i}`, type: 'BigInt', value: item.version },
      );
      return `(@k${i}, @v${i})`;
    });
    const key = bracket(entity.key.legacyName);
    const sql =
      `WITH CHANGE_TRACKING_CONTEXT (${SYNC_CONTEXT}) ` +
      `DELETE t OUTPUT LOWER(CONVERT(char(36), deleted.${key})) AS [key] ` +
      `FROM ${table(entity)} AS t INNER JOIN (VALUES ${values.join(', ')}) AS d ([Key], [Version]) ` +
      `ON t.${key} = d.[Key] AND t.[Version] <= d.[Version];`;
    return { sql, params };
  });
}

/** The rows at these keys, in canonical text. */
export function selectByKeysStatements(entity: SyncEntity, keys: readonly string[]): MssqlStatement[] {
  const select = selectList(entity);
  return chunk(keys, rowsPerStatement(1)).map((part) => ({
    sql: `SELECT ${select} FROM ${table(entity)} AS t WHERE t.${bracket(entity.key.legacyName)} IN (${part.map((_, i) => `@k${i}`).join(', ')})`,
    params: part.map((key, i) => ({ name: `k${i}`, type: 'UniqueIdentifier' as const, value: key })),
  }));
}

/**
 * Legacy's rows at these keys, read and locked until the transaction ends, before the merge decides:
 * UPDLOCK waits for a writer holding a row and reads what it committed (also under READ_COMMITTED_SNAPSHOT,
 * Azure SQL's default), HOLDLOCK keeps a missing key's range locked so no insert slips in. Check and write
 * are then one decision (https://learn.microsoft.com/sql/t-sql/queries/hints-transact-sql-table).
 */
export function lockRowsStatements(entity: SyncEntity, keys: readonly string[]): MssqlStatement[] {
  const select = selectList(entity);
  const key = bracket(entity.key.legacyName);
  return chunk(keys, rowsPerStatement(1)).map((part) => ({
    sql:
      `SELECT ${select} FROM ${table(entity)} AS t WITH (UPDLOCK, HOLDLOCK) ` +
      `WHERE t.${key} IN (${part.map((_, i) => `@k${i}`).join(', ')})`,
    params: part.map((k, i) => ({ name: `k${i}`, type: 'UniqueIdentifier' as const, value: k })),
  }));
}

/** One batch of applied-event records past retention (DELETE TOP keeps each transaction and its locks small). */
export function pruneAppliedStatement(olderThan: Date, batchSize: number): MssqlStatement {
  return {
    sql:
      `DELETE TOP (@batch) FROM dbo.[SyncAppliedEvents] WHERE [AppliedAt] < @olderThan; ` +
      `SELECT @@ROWCOUNT AS [n];`,
    params: [
      { name: 'batch', type: 'Int', value: batchSize },
      { name: 'olderThan', type: 'DateTime2', value: olderThan, scale: 7 },
    ],
  };
}

/** Raises one row's version past `atLeast` as a write of `origin` (a repair), not as the sync's. */
export function bumpVersionStatement(
  entity: SyncEntity,
  key: string,
  atLeast: string,
  origin: string,
): MssqlStatement {
  const context = `0x${Buffer.from(origin, 'ascii').toString('hex').toUpperCase()}`;
  return {
    sql:
      `WITH CHANGE_TRACKING_CONTEXT (${context}) ` +
      `UPDATE ${table(entity)} SET [Version] = CASE WHEN [Version] > @atLeast THEN [Version] ELSE @atLeast END + 1 ` +
      `WHERE ${bracket(entity.key.legacyName)} = @key; SELECT @@ROWCOUNT AS [n];`,
    params: [
      { name: 'atLeast', type: 'BigInt', value: atLeast },
      { name: 'key', type: 'UniqueIdentifier', value: key },
    ],
  };
}
