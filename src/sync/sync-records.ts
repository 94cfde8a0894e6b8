import type { Queryable } from './pg-apply.ts';
import type { ApplyResult, Direction, SyncChange } from './sync-engine.ts';
import type { SyncOwnership } from './sync-entities.ts';
import type { SyncMetrics } from './sync-metrics.ts';

/**
 * Writes the audit trail (every outcome) and the conflicts (both rows) of applied changes, in the
 * caller's transaction on the new database, so the record commits with the outbox/checkpoint update.
 */
export async function recordResults(
  client: Queryable,
  direction: Direction,
  changes: readonly SyncChange[],
  results: readonly ApplyResult[],
  ownership: SyncOwnership,
  actor = 'sync',
): Promise<void> {
  if (changes.length === 0) return;
  const byId = new Map(results.map((r) => [r.eventId, r]));
  const outcomes = changes.map((c) => byId.get(c.eventId)?.outcome ?? 'applied');
  await client.query(
    `INSERT INTO strangler.sync_audit (direction, entity, entity_key, event_id, version, outcome, actor)
     SELECT $1, * , $7 FROM unnest($2::text[], $3::text[], $4::uuid[], $5::bigint[], $6::text[])`,
    [
      direction,
      changes.map((c) => c.entity),
      changes.map((c) => c.key),
      changes.map((c) => c.eventId),
      changes.map((c) => c.version),
      outcomes,
      actor,
    ],
  );
  const conflicts = changes.filter((c) => byId.get(c.eventId)?.outcome === 'conflict');
  if (conflicts.length === 0) return;
  await client.query(
    `INSERT INTO strangler.sync_conflicts
       (direction, entity, entity_key, event_id, owner, incoming_version, incoming_row, current_version, current_row)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::uuid[], $5::text[], $6::bigint[], $7::jsonb[], $8::bigint[], $9::jsonb[])`,
    [
      direction,
      conflicts.map((c) => c.entity),
      conflicts.map((c) => c.key),
      conflicts.map((c) => c.eventId),
      conflicts.map((c) => ownership[c.entity]),
      conflicts.map((c) => c.version),
      conflicts.map((c) => (c.row === null ? null : JSON.stringify(c.row))),
      conflicts.map((c) => byId.get(c.eventId)?.current?.version ?? null),
      conflicts.map((c) => {
        const current = byId.get(c.eventId)?.current;
        return current === null || current === undefined ? null : JSON.stringify(current);
      }),
    ],
  );
}

export function countResults(
  metrics: SyncMetrics | undefined,
  direction: Direction,
  changes: readonly SyncChange[],
  results: readonly ApplyResult[],
): void {
  if (metrics === undefined) return;
  const byId = new Map(results.map((r) => [r.eventId, r]));
  for (const change of changes) {
    const outcome = byId.get(change.eventId)?.outcome ?? 'applied';
    metrics.applied.inc({ entity: change.entity, direction, outcome });
    if (outcome === 'conflict') metrics.conflicts.inc({ entity: change.entity, direction });
  }
}
