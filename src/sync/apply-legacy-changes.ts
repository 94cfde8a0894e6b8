import { enqueueChangePg } from './outbox.ts';
import { applyLegacyChangesToNew } from './pg-apply.ts';
import type { Queryable } from './pg-transaction.ts';
import type { ApplyResult, SyncChange } from './sync-engine.ts';
import type { SyncOwnership } from './sync-entities.ts';
import { recordResults } from './sync-records.ts';
import type { RecordedConflict } from './sync-records.ts';

export interface RecordedApply {
  readonly results: ApplyResult[];
  readonly conflicts: RecordedConflict[];
}

/**
 * Legacy's changes applied to the new database with the version guard, and their audit trail and
 * conflicts recorded, in the caller's transaction (the poller's batch, a re-sync page).
 */
export async function applyAndRecordLegacyChanges(
  client: Queryable,
  changes: readonly SyncChange[],
  ownership: SyncOwnership,
  actor?: string,
): Promise<RecordedApply> {
  const results = await applyLegacyChangesToNew(client, changes, ownership);
  const conflicts = await recordLegacyResults(client, changes, results, ownership, actor);
  return { results, conflicts };
}

/** The audit trail and conflicts of legacy's applied changes, and the owner's rows sent again after a tie legacy lost. */
export async function recordLegacyResults(
  client: Queryable,
  changes: readonly SyncChange[],
  results: readonly ApplyResult[],
  ownership: SyncOwnership,
  actor?: string,
): Promise<RecordedConflict[]> {
  const conflicts = await recordResults(client, 'legacy_to_new', changes, results, ownership, actor);
  await resendTiesLegacyLost(client, changes, results);
  return conflicts;
}

/**
 * Legacy's API writes `Version = what it read + 1` without a concurrency check, so its update can land
 * on top of the relay's write at the same version after the relay committed. Such a row loses the tie
 * here to the owner's, but legacy would keep it: the owner's row is sent again, so both sides end with
 * it, as after any tie. When an event of the row is still on its way this only repeats it (a replaced
 * row equal to the incoming one is no conflict).
 */
async function resendTiesLegacyLost(
  client: Queryable,
  changes: readonly SyncChange[],
  results: readonly ApplyResult[],
): Promise<void> {
  const byId = new Map(results.map((r) => [r.eventId, r]));
  for (const change of changes) {
    const result = byId.get(change.eventId);
    if (result?.outcome !== 'conflict' || change.operation !== 'upsert') continue;
    if (result.current?.version !== change.version) continue;
    await enqueueChangePg(client, { entity: change.entity, operation: 'upsert', key: change.key });
  }
}
