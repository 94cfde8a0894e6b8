import type { Queryable } from './pg-transaction.ts';
import { rowAsJsonb } from './postgres-text.ts';
import type { ApplyOutcome, ApplyResult, Direction, SyncChange } from './sync-engine.ts';
import type { SyncOwnership } from './sync-entities.ts';
import type { SyncMetrics } from './sync-metrics.ts';

export interface RecordedConflict {
  readonly entity: string;
  readonly direction: Direction;
}

const INSERT_CONFLICTS = `INSERT INTO strangler.sync_conflicts
  (direction, entity, entity_key, event_id, owner, incoming_version, incoming_row, current_version, current_row, kind, error)`;

/*
 * One lost write, one row: the same loss is seen from both directions when the two sides' changes cross
 * (the relay replaces the legacy row on a tie, and the poller finds the legacy row losing on PostgreSQL),
 * possibly at the same moment: a unique index on the lost write decides (sync migration 003).
 */
const CONFLICT_KIND: Partial<Record<ApplyOutcome, string>> = {
  conflict: 'non_owner_lost',
  stale: 'owner_lost',
  rejected: 'rejected',
};

const UNLESS_RECORDED = `ON CONFLICT DO NOTHING RETURNING entity, direction`;

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
): Promise<RecordedConflict[]> {
  if (changes.length === 0) return [];
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
  const conflicts = changes.filter((c) => {
    const outcome = byId.get(c.eventId)?.outcome;
    return outcome === 'conflict' || outcome === 'stale' || outcome === 'rejected';
  });
  const recorded = await recordOverwritten(client, direction, changes, results, ownership);
  if (conflicts.length === 0) return recorded;
  const inserted = await client.query<RecordedConflict>(
    `${INSERT_CONFLICTS}
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::uuid[], $5::text[], $6::bigint[], $7::jsonb[], $8::bigint[], $9::jsonb[], $10::text[], $11::text[])
       AS u(entity, entity_key, event_id, owner, incoming_version, incoming_row, current_version, current_row, kind, error)
     ${UNLESS_RECORDED}`,
    [
      direction,
      conflicts.map((c) => c.entity),
      conflicts.map((c) => c.key),
      conflicts.map((c) => c.eventId),
      conflicts.map((c) => ownership[c.entity]),
      conflicts.map((c) => c.version),
      conflicts.map((c) => rowAsJsonb(c.row)),
      conflicts.map((c) => byId.get(c.eventId)?.current?.version ?? null),
      conflicts.map((c) => rowAsJsonb(byId.get(c.eventId)?.current)),
      conflicts.map((c) => CONFLICT_KIND[byId.get(c.eventId)?.outcome ?? 'stale'] ?? 'owner_lost'),
      conflicts.map((c) => byId.get(c.eventId)?.error ?? null),
    ],
  );
  return [...recorded, ...inserted.rows];
}

/** The non-owner rows an owner's write replaced on a version tie: the losing side is the target's. */
async function recordOverwritten(
  client: Queryable,
  direction: Direction,
  changes: readonly SyncChange[],
  results: readonly ApplyResult[],
  ownership: SyncOwnership,
): Promise<RecordedConflict[]> {
  const byId = new Map(changes.map((c) => [c.eventId, c]));
  const lost = results.filter((r) => r.overwritten !== undefined);
  if (lost.length === 0) return [];
  const losingDirection: Direction = direction === 'new_to_legacy' ? 'legacy_to_new' : 'new_to_legacy';
  const inserted = await client.query<RecordedConflict>(
    `${INSERT_CONFLICTS}
     SELECT $1, *, 'non_owner_lost', NULL FROM unnest($2::text[], $3::text[], $4::uuid[], $5::text[], $6::bigint[], $7::jsonb[], $8::bigint[], $9::jsonb[])
       AS u(entity, entity_key, event_id, owner, incoming_version, incoming_row, current_version, current_row)
     ${UNLESS_RECORDED}`,
    [
      losingDirection,
      lost.map((r) => byId.get(r.eventId)?.entity ?? ''),
      lost.map((r) => byId.get(r.eventId)?.key ?? ''),
      lost.map((r) => r.eventId),
      lost.map((r) => ownership[byId.get(r.eventId)?.entity ?? 'athletes']),
      lost.map((r) => r.overwritten?.version ?? null),
      lost.map((r) => rowAsJsonb(r.overwritten)),
      lost.map((r) => byId.get(r.eventId)?.version ?? null),
      lost.map((r) => rowAsJsonb(byId.get(r.eventId)?.row) ?? 'null'),
    ],
  );
  return inserted.rows;
}

/** Counts the outcomes of applied changes and the conflicts recordResults actually stored (call after the commit). */
export function countRecorded(
  metrics: SyncMetrics | undefined,
  direction: Direction,
  changes: readonly SyncChange[],
  results: readonly ApplyResult[],
  conflicts: readonly RecordedConflict[],
): void {
  if (metrics === undefined) return;
  const byId = new Map(results.map((r) => [r.eventId, r]));
  for (const change of changes) {
    const outcome = byId.get(change.eventId)?.outcome ?? 'applied';
    metrics.applied.inc({ entity: change.entity, direction, outcome });
  }
  for (const conflict of conflicts)
    metrics.conflicts.inc({ entity: conflict.entity, direction: conflict.direction });
}

/** How many results had each outcome, as a batch's summary reports them. */
export function tallyOutcomes(results: readonly ApplyResult[]): Record<string, number> {
  const outcomes: Record<string, number> = {};
  for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  return outcomes;
}
