import type { CanonicalRow } from '../../src/sync/canonical-row.ts';
import { canonicalRow, rowsEqual } from '../../src/sync/canonical-row.ts';
import { outcomeToKeep, replayedResult } from '../../src/sync/kept-outcome.ts';
import type { ApplyResult, LegacyWriter, SyncChange } from '../../src/sync/sync-engine.ts';
import { classifyLoss } from '../../src/sync/sync-engine.ts';
import { syncEntity } from '../../src/sync/sync-entities.ts';
import type { SyncEntity, SyncOwnership } from '../../src/sync/sync-entities.ts';
import { bracket, canonicalReadExpr, chunk, columnParam, rowsPerStatement } from './sync-session.ts';
import type { MssqlConnector, MssqlParam, MssqlSession, MssqlStatement } from './sync-session.ts';

/**
 * The context the relay's writes carry, so Change Tracking records them as the sync's and the change
 * feed skips them (https://learn.microsoft.com/sql/t-sql/statements/with-change-tracking-context-transact-sql).
 * 0x73796E63 is 'sync' in ASCII.
 */
export const SYNC_CONTEXT = '0x73796E63';

const table = (entity: SyncEntity): string => `dbo.${bracket(entity.legacyTable)}`;

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
 * tagged with the sync's change-tracking context. Returns the keys written.
 */
export function mergeStatements(
  entity: SyncEntity,
  rows: readonly CanonicalRow[],
  writerOwnsEntity: boolean,
): MssqlStatement[] {
  const columns = entity.columns;
  return chunk(rows, rowsPerStatement(columns.length)).map((part) => {
    const params: MssqlParam[] = [{ name: 'ownerWins', type: 'Bit', value: writerOwnsEntity }];
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
    const sql =
      `WITH CHANGE_TRACKING_CONTEXT (${SYNC_CONTEXT}) ` +
      `MERGE ${table(entity)} WITH (HOLDLOCK) AS t ` +
      `USING (VALUES ${values.join(', ')}) AS s (${names.join(', ')}) ` +
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

export function selectByKeysStatements(entity: SyncEntity, keys: readonly string[]): MssqlStatement[] {
  const select = entity.columns
    .map((c) => `${canonicalReadExpr(c, `t.${bracket(c.legacyName)}`)} AS ${bracket(c.name)}`)
    .join(', ');
  return chunk(keys, rowsPerStatement(1)).map((part) => ({
    sql: `SELECT ${select} FROM ${table(entity)} AS t WHERE t.${bracket(entity.key.legacyName)} IN (${part.map((_, i) => `@k${i}`).join(', ')})`,
    params: part.map((key, i) => ({ name: `k${i}`, type: 'UniqueIdentifier' as const, value: key })),
  }));
}

/** Legacy rows at exactly the incoming version, locked: what an owner's write replaces on a tie. */
export function selectTiesStatements(
  entity: SyncEntity,
  items: readonly { key: string; version: string }[],
): MssqlStatement[] {
  const select = entity.columns
    .map((c) => `${canonicalReadExpr(c, `t.${bracket(c.legacyName)}`)} AS ${bracket(c.name)}`)
    .join(', ');
  const key = bracket(entity.key.legacyName);
  return chunk(items, rowsPerStatement(2)).map((part) => ({
    sql:
      `SELECT ${select} FROM ${table(entity)} AS t WITH (UPDLOCK, HOLDLOCK) ` +
      `INNER JOIN (VALUES ${part.map((_, i) => `(@k${i}, @v${i})`).join(', ')}) AS u ([Key], [Version]) ` +
      `ON t.${key} = u.[Key] AND t.[Version] = u.[Version]`,
    params: part.flatMap((item, i) => [
      { name: `k${i}`, type: 'UniqueIdentifier' as const, value: item.key },
      { name: `v${i}`, type: 'BigInt' as const, value: item.version },
    ]),
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

async function run(
  session: MssqlSession,
  statements: readonly MssqlStatement[],
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const statement of statements) rows.push(...(await session.execute(statement)));
  return rows;
}

/** PostgreSQL → Azure SQL, the same contract as adapters/postgres/sync-legacy-writer.ts. */
export function createMssqlLegacyWriter(connector: MssqlConnector): LegacyWriter {
  return {
    async applyBatch(changes: readonly SyncChange[], ownership: SyncOwnership): Promise<ApplyResult[]> {
      if (changes.length === 0) return [];
      return connector.transaction('READ COMMITTED', async (session) => {
        const fresh = new Set(
          (await run(session, appliedEventsStatements(changes))).map((r) => String(r.id)),
        );
        const toApply = changes.filter((c) => fresh.has(c.eventId.toLowerCase()));
        const entities = [...new Set(toApply.map((c) => syncEntity(c.entity)))].sort(
          (a, b) => a.order - b.order,
        );
        const written = new Set<string>();
        const overwritten = new Map<string, CanonicalRow>();
        for (const entity of entities) {
          const upserts = toApply
            .filter((c) => c.entity === entity.name && c.row !== null)
            .map((c) => c.row as CanonicalRow);
          if (upserts.length === 0) continue;
          if (ownership[entity.name] === 'new') {
            const ties = selectTiesStatements(
              entity,
              upserts.map((r) => ({ key: r[entity.key.name] ?? '', version: r.version ?? '0' })),
            );
            for (const raw of await run(session, ties)) {
              const row = canonicalRow(entity, raw);
              overwritten.set(`${entity.name}:${row[entity.key.name] ?? ''}`, row);
            }
          }
          const keys = await run(session, mergeStatements(entity, upserts, ownership[entity.name] === 'new'));
          for (const r of keys) written.add(`${entity.name}:${String(r.key)}`);
        }
        for (const entity of [...entities].reverse()) {
          const deletes = toApply.filter((c) => c.entity === entity.name && c.operation === 'delete');
          if (deletes.length === 0) continue;
          for (const r of await run(session, deleteStatements(entity, deletes)))
            written.add(`${entity.name}:${String(r.key)}`);
        }
        const current = new Map<string, CanonicalRow>();
        for (const entity of entities) {
          const losers = toApply
            .filter((c) => c.entity === entity.name && !written.has(`${entity.name}:${c.key}`))
            .map((c) => c.key);
          if (losers.length === 0) continue;
          for (const raw of await run(session, selectByKeysStatements(entity, losers))) {
            const row = canonicalRow(entity, raw);
            current.set(`${entity.name}:${row[entity.key.name] ?? ''}`, row);
          }
        }
        const results = changes.map((c): ApplyResult => {
          const id = `${c.entity}:${c.key}`;
          if (!fresh.has(c.eventId.toLowerCase()))
            return { eventId: c.eventId, outcome: 'duplicate', current: null };
          if (written.has(id)) {
            const replaced = overwritten.get(id);
            return replaced !== undefined &&
              c.row !== null &&
              !rowsEqual(syncEntity(c.entity), replaced, c.row)
              ? { eventId: c.eventId, outcome: 'applied', current: null, overwritten: replaced }
              : { eventId: c.eventId, outcome: 'applied', current: null };
          }
          const target = current.get(id) ?? null;
          if (c.operation === 'delete' && target === null)
            return { eventId: c.eventId, outcome: 'applied', current: null };
          const entity = syncEntity(c.entity);
          return {
            eventId: c.eventId,
            outcome: classifyLoss(entity, c.row, target, ownership[c.entity] === 'new'),
            current: target,
          };
        });
        const kept = results.flatMap((r) => {
          const keep = outcomeToKeep(r);
          return keep === undefined ? [] : [{ eventId: r.eventId, ...keep }];
        });
        if (kept.length > 0) await run(session, keepOutcomeStatements(kept));
        const duplicates = results.filter((r) => r.outcome === 'duplicate').map((r) => r.eventId);
        if (duplicates.length === 0) return results;
        const replayed = new Map(
          (await run(session, keptOutcomesStatements(duplicates))).map((row) => [
            String(row.id),
            replayedResult(String(row.id), row.outcome, row.detail),
          ]),
        );
        return results.map((r) => replayed.get(r.eventId.toLowerCase()) ?? r);
      });
    },
    ping: () => connector.ping(),
    async pruneApplied(olderThan: Date, batchSize: number): Promise<number> {
      let total = 0;
      for (;;) {
        const rows = await connector.transaction('READ COMMITTED', (session) =>
          session.execute(pruneAppliedStatement(olderThan, batchSize)),
        );
        const n = Number(rows[0]?.n ?? 0);
        total += n;
        if (n < batchSize) return total;
      }
    },
    async bumpVersion(entity: SyncEntity, key: string, atLeast: string, origin: string): Promise<boolean> {
      return connector.transaction('READ COMMITTED', async (session) => {
        const rows = await session.execute(bumpVersionStatement(entity, key, atLeast, origin));
        return Number(rows[0]?.n ?? 0) > 0;
      });
    },
  };
}
