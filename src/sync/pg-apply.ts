import type pg from 'pg';

import type { CanonicalRow } from './canonical-row.ts';
import { canonicalRow, rowsEqual } from './canonical-row.ts';
import { buildDelete, buildSelectByKeys, buildSelectTies, buildUpsert } from './pg-sync-sql.ts';
import { newSideTarget } from './pg-sync-sql.ts';
import type { PgTarget } from './pg-sync-sql.ts';
import type { ApplyResult, SyncChange } from './sync-engine.ts';
import { classifyLoss } from './sync-engine.ts';
import type { SyncEntity, SyncOwnership } from './sync-entities.ts';
import { syncEntity } from './sync-entities.ts';

export type Queryable = Pick<pg.ClientBase, 'query'>;

/**
 * Applies changes with the version guard inside the caller's transaction on a PostgreSQL database (the
 * new side, or the legacy stand-in). Upserts run parents first and deletes children first so foreign
 * keys hold within one batch; changes that lose the guard are classified against the row they lost to.
 */
export async function applyVersionGuarded(
  client: Queryable,
  targetOf: (entity: SyncEntity) => PgTarget,
  changes: readonly SyncChange[],
  writerOwns: (entity: SyncEntity) => boolean,
): Promise<ApplyResult[]> {
  const byEntity = new Map<SyncEntity, SyncChange[]>();
  for (const change of changes) {
    const entity = syncEntity(change.entity);
    const list = byEntity.get(entity) ?? [];
    list.push(change);
    byEntity.set(entity, list);
  }
  const entities = [...byEntity.keys()].sort((a, b) => a.order - b.order);
  const written = new Set<string>();
  const mark = (entity: SyncEntity, key: string): string => `${entity.name}:${key}`;

  const overwritten = new Map<string, CanonicalRow>();
  for (const entity of entities) {
    const upserts = (byEntity.get(entity) ?? []).filter((c) => c.operation === 'upsert' && c.row !== null);
    if (upserts.length === 0) continue;
    if (writerOwns(entity)) {
      const ties = buildSelectTies(targetOf(entity), upserts);
      for (const raw of (await client.query<Record<string, string | null>>(ties.text, ties.values)).rows) {
        const row = canonicalRow(entity, raw);
        overwritten.set(mark(entity, row[entity.key.name] ?? ''), row);
      }
    }
    const query = buildUpsert(
      targetOf(entity),
      upserts.map((c) => c.row as CanonicalRow),
      writerOwns(entity),
    );
    const result = await client.query<{ key: string }>(query.text, query.values);
    for (const row of result.rows) written.add(mark(entity, row.key));
  }
  for (const entity of [...entities].reverse()) {
    const deletes = (byEntity.get(entity) ?? []).filter((c) => c.operation === 'delete');
    if (deletes.length === 0) continue;
    const query = buildDelete(targetOf(entity), deletes);
    const result = await client.query<{ key: string }>(query.text, query.values);
    for (const row of result.rows) written.add(mark(entity, row.key));
  }

  const losers = new Map<SyncEntity, SyncChange[]>();
  for (const change of changes) {
    const entity = syncEntity(change.entity);
    if (written.has(mark(entity, change.key))) continue;
    losers.set(entity, [...(losers.get(entity) ?? []), change]);
  }
  const current = new Map<string, CanonicalRow>();
  for (const [entity, list] of losers) {
    const query = buildSelectByKeys(
      targetOf(entity),
      list.map((c) => c.key),
    );
    const result = await client.query<Record<string, string | null>>(query.text, query.values);
    for (const row of result.rows) {
      const canonical = canonicalRow(entity, row);
      current.set(mark(entity, canonical[entity.key.name] ?? ''), canonical);
    }
  }

  return changes.map((change): ApplyResult => {
    const entity = syncEntity(change.entity);
    const id = mark(entity, change.key);
    if (written.has(id)) {
      const replaced = overwritten.get(id);
      return replaced !== undefined && change.row !== null && !rowsEqual(entity, replaced, change.row)
        ? { eventId: change.eventId, outcome: 'applied', current: null, overwritten: replaced }
        : { eventId: change.eventId, outcome: 'applied', current: null };
    }
    const target = current.get(id) ?? null;
    // A delete that found nothing: the row is gone either way.
    if (change.operation === 'delete' && target === null) {
      return { eventId: change.eventId, outcome: 'applied', current: null };
    }
    return {
      eventId: change.eventId,
      outcome: classifyLoss(entity, change.row, target, writerOwns(entity)),
      current: target,
    };
  });
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
 * with the database's error, for the caller to record, and the rest of the batch is applied.
 */
export async function applyRejectingRows(
  client: Queryable,
  targetOf: (entity: SyncEntity) => PgTarget,
  changes: readonly SyncChange[],
  writerOwns: (entity: SyncEntity) => boolean,
): Promise<ApplyResult[]> {
  const attempt = async (batch: readonly SyncChange[]): Promise<ApplyResult[] | { error: unknown }> => {
    await client.query('SAVEPOINT sync_apply');
    try {
      const results = await applyVersionGuarded(client, targetOf, batch, writerOwns);
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
  return changes.map(
    (change): ApplyResult =>
      results.get(change.eventId) ?? {
        eventId: change.eventId,
        outcome: 'rejected',
        current: null,
        error: describeRejection(errors.get(change.eventId)),
      },
  );
}

/**
 * Legacy's changes into the new database (poller, re-sync, backfill): the version guard with legacy's
 * ownership deciding ties, and rows the new schema refuses coming back `rejected`.
 */
export function applyLegacyChangesToNew(
  client: Queryable,
  changes: readonly SyncChange[],
  ownership: SyncOwnership,
): Promise<ApplyResult[]> {
  return applyRejectingRows(client, newSideTarget, changes, (entity) => ownership[entity.name] === 'legacy');
}

/** Parents before children for upserts, children before parents for deletes, as one batch runs them. */
function inApplyOrder(changes: readonly SyncChange[]): SyncChange[] {
  const order = (change: SyncChange): number => syncEntity(change.entity).order;
  const upserts = changes.filter((c) => c.operation === 'upsert').sort((a, b) => order(a) - order(b));
  const deletes = changes.filter((c) => c.operation !== 'upsert').sort((a, b) => order(b) - order(a));
  return [...upserts, ...deletes];
}

function describeRejection(error: unknown): string {
  const e = error as
    { code?: unknown; message?: unknown; detail?: unknown; constraint?: unknown } | undefined;
  const parts = [
    typeof e?.message === 'string' ? e.message : String(error),
    typeof e?.detail === 'string' ? e.detail : undefined,
    typeof e?.code === 'string' ? `SQLSTATE ${e.code}` : undefined,
  ];
  return parts.filter((part) => part !== undefined).join(' · ');
}
