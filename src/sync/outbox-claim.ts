import type { CanonicalRow } from './canonical-row.ts';
import type { Operation, SyncChange } from './sync-engine.ts';
import type { EntityName } from './sync-entities.ts';
import type { Queryable } from './pg-transaction.ts';

/** A claimed row of strangler.sync_outbox. */
export interface OutboxRow {
  readonly id: string;
  readonly event_id: string;
  readonly entity: EntityName;
  readonly entity_key: string;
  readonly operation: Operation;
  readonly version: string;
  readonly payload: CanonicalRow | null;
  readonly attempts: number;
  readonly created_at: Date;
}

/*
 * The claim takes the oldest pending event of each key only: an event is skipped while an earlier event
 * for the same key is still pending, whether it waits for a retry or another relay holds it. That keeps
 * order per key across any number of relays; SKIP LOCKED lets them share the rest without waiting.
 * The row locks are held until the batch is marked done, so a relay that dies mid-batch releases its
 * claim with its connection, and the events are applied again (a no-op thanks to SyncAppliedEvents).
 */
const CLAIM_SQL = `
  SELECT o.id::text AS id, o.event_id::text AS event_id, o.entity, o.entity_key, o.operation,
         o.version::text AS version, o.payload, o.attempts, o.created_at
  FROM strangler.sync_outbox o
  WHERE o.status = 'pending' AND o.next_attempt_at <= now()
    AND NOT EXISTS (
      SELECT 1 FROM strangler.sync_outbox p
      WHERE p.status = 'pending' AND p.entity = o.entity AND p.entity_key = o.entity_key AND p.id < o.id)
  ORDER BY o.id
  LIMIT $1
  FOR UPDATE SKIP LOCKED`;

/** Claims up to `batchSize` due events, locked until the caller's transaction ends. */
export async function claimOutboxBatch(client: Queryable, batchSize: number): Promise<OutboxRow[]> {
  return (await client.query<OutboxRow>(CLAIM_SQL, [batchSize])).rows;
}

/** An outbox row as the change the relay sends to legacy. */
export function outboxRowAsChange(
  row: Pick<OutboxRow, 'event_id' | 'entity' | 'entity_key' | 'operation' | 'version' | 'payload'>,
): SyncChange {
  return {
    eventId: row.event_id,
    entity: row.entity,
    key: row.entity_key,
    operation: row.operation,
    version: row.version,
    row: row.payload,
  };
}
