import type pg from 'pg';

import type { OutboxRow } from './outbox-claim.ts';
import { inTransaction } from './pg-transaction.ts';
import type { Queryable } from './pg-transaction.ts';

/**
 * Moves an outbox event that used up its attempts to strangler.sync_dead_letters, audited, in the
 * caller's transaction. A replayed event that fails again replaces its earlier dead letter.
 */
export async function moveToDeadLetters(
  client: Queryable,
  row: OutboxRow,
  attempts: number,
  message: string,
): Promise<void> {
  await client.query(
    `WITH moved AS (DELETE FROM strangler.sync_outbox WHERE id = $1 RETURNING *)
     INSERT INTO strangler.sync_dead_letters
       (event_id, outbox_id, entity, entity_key, operation, version, payload, attempts, last_error, created_at)
     SELECT event_id, id, entity, entity_key, operation, version, payload, $2, $3, created_at FROM moved
     ON CONFLICT (event_id) DO UPDATE SET attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error,
       dead_at = now(), replayed_at = NULL, replayed_by = NULL`,
    [row.id, attempts, message],
  );
  await client.query(
    `INSERT INTO strangler.sync_audit (direction, entity, entity_key, event_id, version, outcome, detail)
     VALUES ('new_to_legacy', $1, $2, $3, $4, 'dead_letter', $5::jsonb)`,
    [row.entity, row.entity_key, row.event_id, row.version, JSON.stringify({ error: message, attempts })],
  );
}

/**
 * Operator action: puts a dead-lettered event back in the outbox with fresh attempts. It keeps its event
 * id, so if it did reach legacy after all, applying it again changes nothing; the version guard keeps an
 * old version from overwriting newer rows. Returns false when there is no such dead letter.
 */
export async function replayDeadLetter(pool: pg.Pool, eventId: string, actor: string): Promise<boolean> {
  return inTransaction(pool, async (client) => {
    const moved = await client.query(
      `WITH dl AS (
         UPDATE strangler.sync_dead_letters SET replayed_at = now(), replayed_by = $2
         WHERE event_id = $1::uuid AND replayed_at IS NULL RETURNING *)
       INSERT INTO strangler.sync_outbox (event_id, entity, entity_key, operation, version, payload, created_at)
       SELECT event_id, entity, entity_key, operation, version, payload, created_at FROM dl
       RETURNING entity, entity_key, version`,
      [eventId, actor],
    );
    const row = moved.rows[0] as { entity: string; entity_key: string; version: string } | undefined;
    if (row !== undefined) {
      await client.query(
        `INSERT INTO strangler.sync_audit (direction, entity, entity_key, event_id, version, outcome, actor)
         VALUES ('new_to_legacy', $1, $2, $3, $4, 'replayed', $5)`,
        [row.entity, row.entity_key, eventId, row.version, actor],
      );
    }
    return row !== undefined;
  });
}
