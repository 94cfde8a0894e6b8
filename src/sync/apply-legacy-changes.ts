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
  const conflicts = await recordResults(client, 'legacy_to_new', changes, results, ownership, actor);
  return { results, conflicts };
}
