import type { CanonicalRow } from './canonical-row.ts';
import { rowsEqual } from './canonical-row.ts';
import type { ApplyResult, SyncChange } from './sync-engine.ts';
import { classifyLoss, rowMapKey } from './sync-engine.ts';
import type { SyncEntity } from './sync-entities.ts';
import { syncEntity } from './sync-entities.ts';

/** What the statements of one version-guarded batch did, by `rowMapKey` (either engine). */
export interface BatchWrites {
  /** Keys upserted or deleted. */
  readonly written: Set<string>;
  /** The rows an owner's upsert replaced on a version tie. */
  readonly overwritten: Map<string, CanonicalRow>;
}

/**
 * One change's result once its batch has run: applied (with the row it replaced on a tie, if different),
 * or lost to `current`, the target's row at its key.
 */
export function applyResultOf(
  change: SyncChange,
  writerOwns: (entity: SyncEntity) => boolean,
  writes: BatchWrites,
  current: ReadonlyMap<string, CanonicalRow>,
): ApplyResult {
  const entity = syncEntity(change.entity);
  const id = rowMapKey(entity.name, change.key);
  if (writes.written.has(id)) {
    const replaced = writes.overwritten.get(id);
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
}
