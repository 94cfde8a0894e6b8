import type { Queryable } from './pg-transaction.ts';
import type { ApplyResult, LegacyRowReader, SyncChange } from './sync-engine.ts';
import { rowMapKey } from './sync-engine.ts';
import type { EntityName } from './sync-entities.ts';
import { syncEntity } from './sync-entities.ts';

/**
 * Refusals a later legacy change can remove: a foreign key whose parent committed after its child (or
 * arrives in a later batch), a unique value another row is about to give up.
 */
const RETRYABLE_SQLSTATES = new Set(['23503', '23505']);

/** How long a refused change is retried before it is recorded `rejected`: both bounds must have passed. */
export interface HoldBound {
  /** Poll rounds (idle ones included) it has been refused in. */
  readonly rounds: number;
  readonly ms: number;
}

export interface HeldChange {
  readonly entity: EntityName;
  readonly key: string;
  readonly eventId: string;
  readonly version: string;
  readonly attempts: number;
  readonly firstRefusedAt: Date;
}

/** The feed's held changes, locked for the poller's batch transaction. */
export async function readHeldChanges(client: Queryable, feed: string): Promise<HeldChange[]> {
  const result = await client.query<HeldChange>(
    `SELECT entity, entity_key AS key, event_id::text AS "eventId", version::text AS version, attempts,
            first_refused_at AS "firstRefusedAt"
     FROM strangler.sync_held_changes WHERE feed = $1 ORDER BY first_refused_at FOR UPDATE`,
    [feed],
  );
  return result.rows;
}

/**
 * The batch's changes plus a retry of each held change the batch does not supersede, as legacy's row
 * stands now (a delete if it is gone). Applied together, a held child goes in after a parent the batch
 * brings, as one batch orders them.
 */
export async function withHeldChanges(
  changes: readonly SyncChange[],
  held: readonly HeldChange[],
  reader: LegacyRowReader,
): Promise<SyncChange[]> {
  const inBatch = new Set(changes.map((c) => rowMapKey(c.entity, c.key)));
  const retries = held.filter((h) => !inBatch.has(rowMapKey(h.entity, h.key)));
  const byEntity = new Map<EntityName, HeldChange[]>();
  for (const h of retries) {
    const list = byEntity.get(h.entity);
    if (list === undefined) byEntity.set(h.entity, [h]);
    else list.push(h);
  }
  const retried: SyncChange[] = [];
  for (const [entity, list] of byEntity) {
    const rows = await reader.readRows(
      syncEntity(entity),
      list.map((h) => h.key),
    );
    for (const h of list) {
      const row = rows.get(h.key) ?? null;
      const operation = row === null ? 'delete' : 'upsert';
      retried.push({
        eventId: h.eventId,
        entity,
        key: h.key,
        operation,
        version: row?.version ?? h.version,
        row,
      });
    }
  }
  return [...changes, ...retried];
}

/**
 * Holds the changes refused for a retryable reason that are still within the bound, releases the held
 * keys that settled, and returns what settled: the changes (and results) to record now.
 */
export async function holdRetryable(
  client: Queryable,
  feed: string,
  applied: { readonly changes: readonly SyncChange[]; readonly results: readonly ApplyResult[] },
  held: readonly HeldChange[],
  bound: HoldBound,
): Promise<{ changes: SyncChange[]; results: ApplyResult[]; held: number }> {
  const heldByKey = new Map(held.map((h) => [rowMapKey(h.entity, h.key), h]));
  const resultById = new Map(applied.results.map((r) => [r.eventId, r]));
  const settled: { changes: SyncChange[]; results: ApplyResult[] } = { changes: [], results: [] };
  const hold: SyncChange[] = [];
  for (const change of applied.changes) {
    const result = resultById.get(change.eventId);
    const before = heldByKey.get(rowMapKey(change.entity, change.key));
    if (result !== undefined && retryable(result) && !exhausted(before, bound)) {
      hold.push(change);
    } else {
      settled.changes.push(change);
      if (result !== undefined) settled.results.push(result);
    }
  }
  await release(
    client,
    feed,
    settled.changes.filter((c) => heldByKey.has(rowMapKey(c.entity, c.key))),
  );
  await keep(client, feed, hold, resultById);
  return { ...settled, held: hold.length };
}

function retryable(result: ApplyResult): boolean {
  return result.outcome === 'rejected' && RETRYABLE_SQLSTATES.has(result.sqlState ?? '');
}

function exhausted(before: HeldChange | undefined, bound: HoldBound): boolean {
  if (before === undefined) return bound.rounds <= 0 && bound.ms <= 0;
  return before.attempts >= bound.rounds && Date.now() - before.firstRefusedAt.getTime() >= bound.ms;
}

async function release(client: Queryable, feed: string, changes: readonly SyncChange[]): Promise<void> {
  if (changes.length === 0) return;
  await client.query(
    `DELETE FROM strangler.sync_held_changes h USING unnest($2::text[], $3::text[]) AS u(entity, entity_key)
     WHERE h.feed = $1 AND h.entity = u.entity AND h.entity_key = u.entity_key`,
    [feed, changes.map((c) => c.entity), changes.map((c) => c.key)],
  );
}

/** A key refused again keeps when it was first refused, so the bound counts from there. */
async function keep(
  client: Queryable,
  feed: string,
  changes: readonly SyncChange[],
  results: ReadonlyMap<string, ApplyResult>,
): Promise<void> {
  if (changes.length === 0) return;
  await client.query(
    `INSERT INTO strangler.sync_held_changes AS h (feed, entity, entity_key, event_id, version, attempts, error)
     SELECT $1, u.entity, u.entity_key, u.event_id, u.version, 1, u.error
     FROM unnest($2::text[], $3::text[], $4::uuid[], $5::bigint[], $6::text[]) AS u(entity, entity_key, event_id, version, error)
     ON CONFLICT (feed, entity, entity_key) DO UPDATE SET event_id = EXCLUDED.event_id, version = EXCLUDED.version,
       attempts = h.attempts + 1, error = EXCLUDED.error`,
    [
      feed,
      changes.map((c) => c.entity),
      changes.map((c) => c.key),
      changes.map((c) => c.eventId),
      changes.map((c) => c.version),
      changes.map((c) => results.get(c.eventId)?.error ?? null),
    ],
  );
}
