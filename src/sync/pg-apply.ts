import type pg from 'pg';

import type { CanonicalRow } from './canonical-row.ts';
import { canonicalRow, rowsEqual } from './canonical-row.ts';
import { buildDelete, buildSelectByKeys, buildSelectTies, buildUpsert } from './pg-sync-sql.ts';
import type { PgTarget } from './pg-sync-sql.ts';
import type { ApplyResult, SyncChange } from './sync-engine.ts';
import { classifyLoss } from './sync-engine.ts';
import type { SyncEntity } from './sync-entities.ts';
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
