import { applyResultOf } from './apply-result.ts';
import type { BatchWrites } from './apply-result.ts';
import type { CanonicalRow } from './canonical-row.ts';
import { canonicalRow } from './canonical-row.ts';
import { buildDelete, buildSelectByKeys, buildUpsert, newSideTarget } from './pg-sync-sql.ts';
import type { PgQuery, PgTarget } from './pg-sync-sql.ts';
import type { ApplyResult, SyncChange } from './sync-engine.ts';
import { rowMapKey } from './sync-engine.ts';
import type { SyncEntity, SyncOwnership } from './sync-entities.ts';
import { syncEntity } from './sync-entities.ts';
import type { Queryable } from './pg-transaction.ts';
import { nulColumns, nulRejection } from './postgres-text.ts';

/** The database changes are applied to: its tables, and whether its writer owns an entity (wins ties). */
export interface ApplySide {
  readonly targetOf: (entity: SyncEntity) => PgTarget;
  readonly writerOwns: (entity: SyncEntity) => boolean;
  /** Deletes remove the row whatever its version (a legacy delete is final, docs/sync.md). */
  readonly deletesWin?: boolean;
}

/**
 * Applies changes with the version guard inside the caller's transaction on a PostgreSQL database (the
 * new side, or the legacy stand-in). Upserts run parents first and deletes children first so foreign
 * keys hold within one batch; changes that lose the guard are classified against the row they lost to.
 */
export async function applyVersionGuarded(
  client: Queryable,
  side: ApplySide,
  changes: readonly SyncChange[],
): Promise<ApplyResult[]> {
  const byEntity = groupByEntity(changes);
  const entities = [...byEntity.keys()].sort((a, b) => a.order - b.order);
  const writes: BatchWrites = { written: new Set(), overwritten: new Map() };
  for (const entity of entities) {
    const upserts = (byEntity.get(entity) ?? []).filter((c) => c.operation === 'upsert' && c.row !== null);
    if (upserts.length > 0) await writeUpserts(client, side, entity, upserts, writes);
  }
  for (const entity of [...entities].reverse()) {
    const deletes = (byEntity.get(entity) ?? []).filter((c) => c.operation === 'delete');
    if (deletes.length > 0) await writeDeletes(client, side, entity, deletes, writes);
  }
  const losers = groupByEntity(changes.filter((c) => !writes.written.has(rowMapKey(c.entity, c.key))));
  const current = await readCurrentRows(client, side, losers);
  return changes.map((change) => applyResultOf(change, side.writerOwns, writes, current));
}

function groupByEntity(changes: readonly SyncChange[]): Map<SyncEntity, SyncChange[]> {
  const byEntity = new Map<SyncEntity, SyncChange[]>();
  for (const change of changes) {
    const entity = syncEntity(change.entity);
    byEntity.set(entity, [...(byEntity.get(entity) ?? []), change]);
  }
  return byEntity;
}

/**
 * Check and write as one decision: the target's rows at these keys are read under their row locks first
 * (waiting for a transaction that holds one, then reading what it committed), and the upsert may only
 * update those rows. A row replaced on a version tie is therefore exactly the one recorded as lost.
 */
async function writeUpserts(
  client: Queryable,
  side: ApplySide,
  entity: SyncEntity,
  upserts: readonly SyncChange[],
  writes: BatchWrites,
): Promise<void> {
  const target = side.targetOf(entity);
  const lockQuery = buildSelectByKeys(
    target,
    upserts.map((c) => c.key),
    true,
  );
  const locked = new Map<string, CanonicalRow>();
  for (const row of await readCanonical(client, entity, lockQuery))
    locked.set(row[entity.key.name] ?? '', row);
  const rows = upserts.map((c) => c.row as CanonicalRow);
  const query = buildUpsert(target, rows, side.writerOwns(entity), [...locked.keys()]);
  const result = await client.query<{ key: string }>(query.text, query.values);
  const versionOf = new Map(upserts.map((c) => [c.key, c.version]));
  for (const { key } of result.rows) {
    writes.written.add(rowMapKey(entity.name, key));
    const replaced = locked.get(key);
    if (replaced !== undefined && replaced.version === versionOf.get(key)) {
      writes.overwritten.set(rowMapKey(entity.name, key), replaced);
    }
  }
}

async function writeDeletes(
  client: Queryable,
  side: ApplySide,
  entity: SyncEntity,
  deletes: readonly SyncChange[],
  writes: BatchWrites,
): Promise<void> {
  const query = buildDelete(side.targetOf(entity), deletes, side.deletesWin);
  const result = await client.query<{ key: string }>(query.text, query.values);
  for (const row of result.rows) writes.written.add(rowMapKey(entity.name, row.key));
}

/** The target's rows for the changes that lost the guard, by `rowMapKey`. */
async function readCurrentRows(
  client: Queryable,
  side: ApplySide,
  losers: ReadonlyMap<SyncEntity, readonly SyncChange[]>,
): Promise<Map<string, CanonicalRow>> {
  const current = new Map<string, CanonicalRow>();
  for (const [entity, list] of losers) {
    const query = buildSelectByKeys(
      side.targetOf(entity),
      list.map((c) => c.key),
    );
    for (const row of await readCanonical(client, entity, query)) {
      current.set(rowMapKey(entity.name, row[entity.key.name] ?? ''), row);
    }
  }
  return current;
}

async function readCanonical(client: Queryable, entity: SyncEntity, query: PgQuery): Promise<CanonicalRow[]> {
  const result = await client.query<Record<string, string | null>>(query.text, query.values);
  return result.rows.map((row) => canonicalRow(entity, row));
}

/**
 * PostgreSQL errors that belong to the rows written, not to the database: integrity constraints
 * (class 23: unique, foreign key, check, not null) and data exceptions (class 22: too long, out of range).
 */
export function isRowRejection(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('23') || code.startsWith('22'));
}

/**
 * applyVersionGuarded for a whole batch that must not stall on one row the target refuses. The batch is
 * tried at once; if a row breaks a constraint, the batch is rolled back to a savepoint and the changes
 * go one at a time, each under its own savepoint, in passes repeated while any change goes through (B
 * can take the e-mail A gave up once A's change is in). What is still refused comes back `rejected`
 * with the database's error, for the caller to record, and the rest of the batch is applied. A row
 * holding U+0000, which PostgreSQL cannot store at all, is refused up front (postgres-text.ts).
 */
export async function applyRejectingRows(
  client: Queryable,
  side: ApplySide,
  changes: readonly SyncChange[],
): Promise<ApplyResult[]> {
  const unstorable = new Map(
    changes
      .map((change) => [change.eventId, nulColumns(change.row)] as const)
      .filter(([, columns]) => columns.length > 0),
  );
  if (unstorable.size === 0) return applyRefusingRows(client, side, changes);
  const applied = await applyRefusingRows(
    client,
    side,
    changes.filter((change) => !unstorable.has(change.eventId)),
  );
  const byId = new Map(applied.map((result) => [result.eventId, result]));
  return inChangeOrder(changes, byId, (eventId) => ({ error: nulRejection(unstorable.get(eventId) ?? []) }));
}

/** The savepoint passes of applyRejectingRows, for rows PostgreSQL can hold. */
async function applyRefusingRows(
  client: Queryable,
  side: ApplySide,
  changes: readonly SyncChange[],
): Promise<ApplyResult[]> {
  const attempt = async (batch: readonly SyncChange[]): Promise<ApplyResult[] | { error: unknown }> => {
    await client.query('SAVEPOINT sync_apply');
    try {
      const results = await applyVersionGuarded(client, side, batch);
      await client.query('RELEASE SAVEPOINT sync_apply');
      return results;
    } catch (error: unknown) {
      if (!isRowRejection(error)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT sync_apply');
      await client.query('RELEASE SAVEPOINT sync_apply');
      return { error };
    }
  };
  const whole = await attempt(changes);
  if (Array.isArray(whole)) return whole;

  const results = new Map<string, ApplyResult>();
  const errors = new Map<string, unknown>();
  let pending = inApplyOrder(changes);
  for (;;) {
    const refused: SyncChange[] = [];
    for (const change of pending) {
      const outcome = await attempt([change]);
      if (Array.isArray(outcome)) {
        const [result] = outcome;
        if (result !== undefined) results.set(change.eventId, result);
      } else {
        refused.push(change);
        errors.set(change.eventId, outcome.error);
      }
    }
    if (refused.length === 0 || refused.length === pending.length) break;
    pending = refused;
  }
  return inChangeOrder(changes, results, (eventId) => describeRejection(errors.get(eventId)));
}

/** One result per change, in the changes' order: its own, or `rejected` for why it was refused. */
function inChangeOrder(
  changes: readonly SyncChange[],
  results: ReadonlyMap<string, ApplyResult>,
  whyRejected: (eventId: string) => Pick<ApplyResult, 'error' | 'sqlState'>,
): ApplyResult[] {
  return changes.map(
    (change): ApplyResult =>
      results.get(change.eventId) ?? {
        eventId: change.eventId,
        outcome: 'rejected',
        current: null,
        ...whyRejected(change.eventId),
      },
  );
}

/**
 * Legacy's changes into the new database (poller, re-sync, backfill): the version guard with legacy's
 * ownership deciding ties, and rows the new schema refuses coming back `rejected`. A legacy delete
 * removes the row whatever its version: a concurrent new-side update is recorded by the relay, whose
 * upsert the delete's tombstone stops.
 */
export function applyLegacyChangesToNew(
  client: Queryable,
  changes: readonly SyncChange[],
  ownership: SyncOwnership,
): Promise<ApplyResult[]> {
  return applyRejectingRows(
    client,
    {
      targetOf: newSideTarget,
      writerOwns: (entity) => ownership[entity.name] === 'legacy',
      deletesWin: true,
    },
    changes,
  );
}

/** Parents before children for upserts, children before parents for deletes, as one batch runs them. */
function inApplyOrder(changes: readonly SyncChange[]): SyncChange[] {
  const order = (change: SyncChange): number => syncEntity(change.entity).order;
  const upserts = changes.filter((c) => c.operation === 'upsert').sort((a, b) => order(a) - order(b));
  const deletes = changes.filter((c) => c.operation !== 'upsert').sort((a, b) => order(b) - order(a));
  return [...upserts, ...deletes];
}

function describeRejection(error: unknown): Pick<ApplyResult, 'error' | 'sqlState'> {
  const e = error as
    { code?: unknown; message?: unknown; detail?: unknown; constraint?: unknown } | undefined;
  const parts = [
    typeof e?.message === 'string' ? e.message : String(error),
    typeof e?.detail === 'string' ? e.detail : undefined,
    typeof e?.code === 'string' ? `SQLSTATE ${e.code}` : undefined,
  ];
  const why = parts.filter((part) => part !== undefined).join(' · ');
  return typeof e?.code === 'string' ? { error: why, sqlState: e.code } : { error: why };
}
