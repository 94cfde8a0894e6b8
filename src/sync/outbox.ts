import { CompiledQuery } from 'kysely';
import type { Kysely } from 'kysely';
import type pg from 'pg';

import { canonicalValue } from './canonical-row.ts';
import { newSideTarget, readExpr } from './pg-sync-sql.ts';
import type { Operation } from './sync-engine.ts';
import type { EntityName } from './sync-entities.ts';
import { syncEntity, versionColumn } from './sync-entities.ts';

/** Any Kysely instance or transaction (whatever its table types). */
export type SqlExecutor = Pick<Kysely<unknown>, 'getExecutor'>;

export interface ChangeToEnqueue {
  readonly entity: EntityName;
  /** The row as written (its key and, for a delete, its version are taken from it when not given). */
  readonly row?: Readonly<Record<string, unknown>> | null;
  readonly operation: Operation;
  /** The entity key; for a delete also `version`, the deleted row's last version. */
  readonly key?: string;
  readonly version?: string | number;
}

export class OutboxChangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboxChangeError';
  }
}

/*
 * An upsert's payload is read back from the table inside the writing transaction and formatted in SQL,
 * not taken from the caller's object: node-postgres turns timestamptz into a millisecond Date, which would
 * silently drop the microseconds PostgreSQL stored (and the row on legacy would then differ from it).
 */
function outboxInsert(change: ChangeToEnqueue): { text: string; values: unknown[] } {
  const entity = syncEntity(change.entity);
  if (change.operation === 'upsert') {
    const rawKey = change.key ?? change.row?.[entity.key.name];
    if (rawKey === undefined || rawKey === null)
      throw new OutboxChangeError(`upsert of ${change.entity} needs its key`);
    const target = newSideTarget(entity);
    const fields = entity.columns
      .map((c) => `'${c.name}', ${readExpr(c.kind, `t.${target.columnName(c)}`, true)}`)
      .join(', ');
    return {
      text:
        `INSERT INTO strangler.sync_outbox (entity, entity_key, operation, version, payload) ` +
        `SELECT $1, lower(t.${target.columnName(entity.key)}::text), 'upsert', t.version, jsonb_build_object(${fields}) ` +
        `FROM ${target.table} AS t WHERE t.${target.columnName(entity.key)} = $2::uuid ` +
        `RETURNING event_id::text AS event_id`,
      values: [entity.name, canonicalValue(entity.key, rawKey)],
    };
  }
  const key = change.key ?? change.row?.[entity.key.name];
  const version = change.version ?? change.row?.version;
  if (key === undefined || key === null || version === undefined || version === null) {
    throw new OutboxChangeError(`delete of ${change.entity} needs the key and the deleted row's version`);
  }
  return {
    text:
      `INSERT INTO strangler.sync_outbox (entity, entity_key, operation, version, payload) ` +
      `VALUES ($1, $2, 'delete', $3, NULL) RETURNING event_id::text AS event_id`,
    values: [entity.name, canonicalValue(entity.key, key), canonicalValue(versionColumn(entity), version)],
  };
}

/**
 * Records a change for the relay to apply to legacy. Call it INSIDE the transaction that writes the
 * row, after the write (the row lock then orders concurrent writers' events), so the change and its
 * outbox row commit or roll back together. An upsert records the row as it is now in the table.
 * Returns the event id.
 */
export async function enqueueChange(trx: SqlExecutor, change: ChangeToEnqueue): Promise<string> {
  const query = outboxInsert(change);
  const result = await trx
    .getExecutor()
    .executeQuery<{ event_id: string }>(CompiledQuery.raw(query.text, query.values));
  const eventId = result.rows[0]?.event_id;
  if (eventId === undefined)
    throw new OutboxChangeError(`no ${change.entity} row ${String(change.key ?? '')} to enqueue`);
  return eventId;
}

/**
 * Enqueues upserts of many existing rows at once, as they are now in the table (backfill from the new
 * side, repair, tests). Call it in the transaction that wrote them. Returns the number enqueued.
 */
export async function enqueueUpserts(
  client: Pick<pg.ClientBase, 'query'>,
  entityName: EntityName,
  keys: readonly string[],
): Promise<number> {
  const entity = syncEntity(entityName);
  const target = newSideTarget(entity);
  const fields = entity.columns
    .map((c) => `'${c.name}', ${readExpr(c.kind, `t.${target.columnName(c)}`, true)}`)
    .join(', ');
  const key = target.columnName(entity.key);
  const result = await client.query(
    `INSERT INTO strangler.sync_outbox (entity, entity_key, operation, version, payload)
     SELECT $1, lower(t.${key}::text), 'upsert', t.version, jsonb_build_object(${fields})
     FROM ${target.table} AS t JOIN unnest($2::uuid[]) WITH ORDINALITY AS k(id, n) ON t.${key} = k.id ORDER BY k.n`,
    [entity.name, keys],
  );
  return result.rowCount ?? 0;
}

/** Same as enqueueChange for callers holding a node-postgres client in a transaction (scripts, repair). */
export async function enqueueChangePg(
  client: Pick<pg.ClientBase, 'query'>,
  change: ChangeToEnqueue,
): Promise<string> {
  const query = outboxInsert(change);
  const result = await client.query<{ event_id: string }>(query.text, query.values);
  const eventId = result.rows[0]?.event_id;
  if (eventId === undefined)
    throw new OutboxChangeError(`no ${change.entity} row ${String(change.key ?? '')} to enqueue`);
  return eventId;
}
