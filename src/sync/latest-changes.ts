import { randomUUID } from 'node:crypto';

import { rowMapKey } from './sync-engine.ts';
import type { LegacyChangeBatch, SyncChange } from './sync-engine.ts';

/**
 * One change per key of a feed batch: the current row if legacy still has it, else a delete at the last
 * version seen. A key changed several times in the batch keeps the event id of its first change.
 */
export function latestChangePerKey(batch: Pick<LegacyChangeBatch, 'changes' | 'rows'>): SyncChange[] {
  const latest = new Map<string, SyncChange>();
  for (const ref of batch.changes) {
    const id = rowMapKey(ref.entity, ref.key);
    const row = batch.rows.get(id) ?? null;
    const previous = latest.get(id);
    const version =
      row?.version ??
      (previous !== undefined && BigInt(previous.version) > BigInt(ref.version)
        ? previous.version
        : ref.version);
    latest.set(id, {
      eventId: previous?.eventId ?? randomUUID(),
      entity: ref.entity,
      key: ref.key,
      operation: row === null ? 'delete' : 'upsert',
      version,
      row,
    });
  }
  return [...latest.values()];
}
