import { applyResultOf } from '../../src/sync/apply-result.ts';
import type { BatchWrites } from '../../src/sync/apply-result.ts';
import type { CanonicalRow } from '../../src/sync/canonical-row.ts';
import { canonicalRow } from '../../src/sync/canonical-row.ts';
import { outcomeToKeep, replayedResult } from '../../src/sync/kept-outcome.ts';
import type { ApplyResult, SyncChange } from '../../src/sync/sync-engine.ts';
import { rowMapKey } from '../../src/sync/sync-engine.ts';
import { syncEntity } from '../../src/sync/sync-entities.ts';
import type { SyncEntity, SyncOwnership } from '../../src/sync/sync-entities.ts';
import type { MssqlSession, MssqlStatement } from './sync-session.ts';
import {
  appliedEventsStatements,
  deleteStatements,
  keepOutcomeStatements,
  keptOutcomesStatements,
  lockRowsStatements,
  mergeStatements,
  selectByKeysStatements,
} from './sync-write-tsql.ts';

/**
 * One batch of PostgreSQL's changes on Azure SQL, inside the caller's transaction (the SQL Server
 * counterpart of src/sync/pg-apply.ts). Each event applies once: ids already in dbo.SyncAppliedEvents
 * report the outcome kept from their first delivery, or `duplicate`. The rest go through the version
 * guard, merges parents first and deletes children first so foreign keys hold within the batch; a
 * change that loses is classified against the row it lost to.
 */
export async function applyBatchOnce(
  session: MssqlSession,
  changes: readonly SyncChange[],
  ownership: SyncOwnership,
): Promise<ApplyResult[]> {
  const fresh = await recordEventIds(session, changes);
  const isFresh = (c: SyncChange): boolean => fresh.has(c.eventId.toLowerCase());
  const writerOwns = (entity: SyncEntity): boolean => ownership[entity.name] === 'new';
  const toApply = changes.filter(isFresh);
  const entities = [...new Set(toApply.map((c) => syncEntity(c.entity)))].sort((a, b) => a.order - b.order);
  const writes: BatchWrites = { written: new Set(), overwritten: new Map() };
  for (const entity of entities) await writeUpserts(session, entity, toApply, writerOwns(entity), writes);
  for (const entity of [...entities].reverse()) await writeDeletes(session, entity, toApply, writes);
  const current = await readCurrentRows(session, entities, toApply, writes.written);
  const results = changes.map((c) =>
    isFresh(c) ? applyResultOf(c, writerOwns, writes, current) : duplicateOf(c),
  );
  await keepOutcomes(session, results);
  return replayKeptOutcomes(session, results);
}

async function run(
  session: MssqlSession,
  statements: readonly MssqlStatement[],
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const statement of statements) rows.push(...(await session.execute(statement)));
  return rows;
}

async function readCanonical(
  session: MssqlSession,
  entity: SyncEntity,
  statements: readonly MssqlStatement[],
): Promise<CanonicalRow[]> {
  return (await run(session, statements)).map((raw) => canonicalRow(entity, raw));
}

/** The lower-case ids of the events not applied before, now recorded in dbo.SyncAppliedEvents. */
async function recordEventIds(session: MssqlSession, changes: readonly SyncChange[]): Promise<Set<string>> {
  return new Set((await run(session, appliedEventsStatements(changes))).map((r) => String(r.id)));
}

/**
 * Check and write as one decision: legacy's rows at these keys are read under UPDLOCK, HOLDLOCK first, so
 * the row a merge replaces on a version tie is exactly the one recorded as lost.
 */
async function writeUpserts(
  session: MssqlSession,
  entity: SyncEntity,
  changes: readonly SyncChange[],
  owns: boolean,
  writes: BatchWrites,
): Promise<void> {
  const upserts = changes.filter((c) => c.entity === entity.name && c.row !== null);
  if (upserts.length === 0) return;
  const locked = new Map<string, CanonicalRow>();
  const lock = lockRowsStatements(
    entity,
    upserts.map((c) => c.key),
  );
  for (const row of await readCanonical(session, entity, lock)) locked.set(row[entity.key.name] ?? '', row);
  const versionOf = new Map(upserts.map((c) => [c.key, c.version]));
  const merges = mergeStatements(
    entity,
    upserts.map((c) => c.row as CanonicalRow),
    owns,
  );
  for (const r of await run(session, merges)) {
    const key = String(r.key);
    writes.written.add(rowMapKey(entity.name, key));
    const replaced = locked.get(key);
    if (replaced !== undefined && replaced.version === versionOf.get(key)) {
      writes.overwritten.set(rowMapKey(entity.name, key), replaced);
    }
  }
}

async function writeDeletes(
  session: MssqlSession,
  entity: SyncEntity,
  changes: readonly SyncChange[],
  writes: BatchWrites,
): Promise<void> {
  const deletes = changes.filter((c) => c.entity === entity.name && c.operation === 'delete');
  if (deletes.length === 0) return;
  for (const r of await run(session, deleteStatements(entity, deletes))) {
    writes.written.add(rowMapKey(entity.name, String(r.key)));
  }
}

/** Legacy's rows for the changes that lost the guard, by `rowMapKey`. */
async function readCurrentRows(
  session: MssqlSession,
  entities: readonly SyncEntity[],
  changes: readonly SyncChange[],
  written: ReadonlySet<string>,
): Promise<Map<string, CanonicalRow>> {
  const current = new Map<string, CanonicalRow>();
  for (const entity of entities) {
    const losers = changes
      .filter((c) => c.entity === entity.name && !written.has(rowMapKey(entity.name, c.key)))
      .map((c) => c.key);
    if (losers.length === 0) continue;
    for (const row of await readCanonical(session, entity, selectByKeysStatements(entity, losers))) {
      current.set(rowMapKey(entity.name, row[entity.key.name] ?? ''), row);
    }
  }
  return current;
}

function duplicateOf(change: SyncChange): ApplyResult {
  return { eventId: change.eventId, outcome: 'duplicate', current: null };
}

/** Stores the outcomes a redelivery must report again (src/sync/kept-outcome.ts). */
async function keepOutcomes(session: MssqlSession, results: readonly ApplyResult[]): Promise<void> {
  const kept = results.flatMap((r) => {
    const keep = outcomeToKeep(r);
    return keep === undefined ? [] : [{ eventId: r.eventId, ...keep }];
  });
  if (kept.length > 0) await run(session, keepOutcomeStatements(kept));
}

/** Each duplicate's result replaced by the outcome kept from its first delivery, where there is one. */
async function replayKeptOutcomes(
  session: MssqlSession,
  results: readonly ApplyResult[],
): Promise<ApplyResult[]> {
  const duplicates = results.filter((r) => r.outcome === 'duplicate').map((r) => r.eventId);
  if (duplicates.length === 0) return [...results];
  const replayed = new Map(
    (await run(session, keptOutcomesStatements(duplicates))).map((row) => [
      String(row.id),
      replayedResult(String(row.id), row.outcome, row.detail),
    ]),
  );
  return results.map((r) => replayed.get(r.eventId.toLowerCase()) ?? r);
}
