import { rowsEqual } from '../canonical-row.ts';
import type { CanonicalRow } from '../canonical-row.ts';
import type { SyncEntity } from '../sync-entities.ts';

export type MismatchKind = 'missing_in_legacy' | 'missing_in_new' | 'different';

export interface Mismatch {
  readonly entity: string;
  readonly key: string;
  readonly kind: MismatchKind;
  readonly legacyRow: CanonicalRow | null;
  readonly newRow: CanonicalRow | null;
}

/** The keys whose rows differ between the two sides, and how. */
export function compareRows(
  entity: SyncEntity,
  keys: Iterable<string>,
  legacy: Map<string, CanonicalRow>,
  fresh: Map<string, CanonicalRow>,
): Mismatch[] {
  const found: Mismatch[] = [];
  for (const key of keys) {
    const l = legacy.get(key) ?? null;
    const n = fresh.get(key) ?? null;
    if (l === null && n === null) continue;
    if (l === null)
      found.push({ entity: entity.name, key, kind: 'missing_in_legacy', legacyRow: null, newRow: n });
    else if (n === null)
      found.push({ entity: entity.name, key, kind: 'missing_in_new', legacyRow: l, newRow: null });
    else if (!rowsEqual(entity, l, n))
      found.push({ entity: entity.name, key, kind: 'different', legacyRow: l, newRow: n });
  }
  return found;
}
