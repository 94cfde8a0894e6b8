import type pg from 'pg';

import { conflictRecorded } from '../sync/testing/sync-races.ts';
import type { RaceWrite } from './http-race-writes.ts';

/*
 * Whether a committed write survived a settled round: present in the row both sides hold, superseded by
 * a later write that saw it (a higher version, or a hard delete of its version or later), or recorded
 * in strangler.sync_conflicts. Anything else is a silent loss.
 */

export interface SettledRow {
  readonly value: string;
  readonly version: number;
  readonly active: boolean;
}

/** Each side's row for `id` once the sync has settled, or null where it is absent. */
export async function settledRows(
  newPool: pg.Pool,
  legacyPool: pg.Pool,
  id: string,
): Promise<{ new: SettledRow | null; legacy: SettledRow | null }> {
  type Raw = { value: string; version: string; active: boolean };
  const n = await newPool.query<Raw>(
    `SELECT first_name AS value, version::text AS version, is_active AS active FROM athletes WHERE id = $1`,
    [id],
  );
  const l = await legacyPool.query<Raw>(
    `SELECT "FirstName" AS value, "Version"::text AS version, "IsActive" AS active
       FROM dbo."Athletes" WHERE "AthleteId" = $1`,
    [id],
  );
  const row = (r: Raw | undefined) =>
    r === undefined ? null : { value: r.value, version: Number(r.version), active: r.active };
  return { new: row(n.rows[0]), legacy: row(l.rows[0]) };
}

async function softDeleteRecorded(newPool: pg.Pool, id: string): Promise<boolean> {
  const found = await newPool.query(
    `SELECT 1 FROM strangler.sync_conflicts WHERE entity_key = $1
       AND (incoming_row ->> 'is_active' = 'false' OR current_row ->> 'is_active' = 'false') LIMIT 1`,
    [id],
  );
  return found.rows.length > 0;
}

/** True when `other` overwrote or removed `write` having seen it. */
function supersedes(other: RaceWrite, write: RaceWrite): boolean {
  if (!other.committed || other.version === null || write.version === null) return false;
  if (other.kind === 'sql-delete') return other.version >= write.version;
  if (other.kind === 'legacy-soft-delete') return false;
  return other.version >= write.version + 1;
}

/** Why `write` is gone without a trace, or undefined when it survived as the rules above allow. */
export async function silentLoss(
  newPool: pg.Pool,
  id: string,
  write: RaceWrite,
  other: RaceWrite,
  settled: SettledRow | null,
): Promise<string | undefined> {
  if (!write.committed) return undefined;
  switch (write.kind) {
    case 'sql-delete':
      if (settled === null || (await conflictRecorded(newPool, id, null))) return undefined;
      return `${write.kind} undone: the row is back at version ${settled.version}`;
    case 'legacy-soft-delete':
      if (settled === null || !settled.active || (await softDeleteRecorded(newPool, id))) return undefined;
      return `${write.kind} undone: the row is active at version ${settled.version}`;
    default:
      if (settled?.value === write.value || supersedes(other, write)) return undefined;
      if (await conflictRecorded(newPool, id, write.value)) return undefined;
      return `${write.kind} "${write.value}" v${write.version} lost: both sides hold ${JSON.stringify(settled)}`;
  }
}
