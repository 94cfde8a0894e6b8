import { sql, type Kysely } from 'kysely';
import type { RetentionResult } from './shadow-store.ts';
import type { ShadowDatabase } from './shadow-tables.ts';

export interface ExpiryOptions {
  readonly olderThan: Date;
  readonly batchSize: number;
}

/**
 * Deletes shadow data older than `olderThan` in short transactions of at most `batchSize` rows, so
 * retention never holds long locks.
 */
export async function deleteExpired(
  db: Kysely<ShadowDatabase>,
  options: ExpiryOptions,
): Promise<RetentionResult> {
  const samples = await deleteSamples(db, options);
  const minutes = await deleteMinutesOf(db, 'shadow_minute', options);
  await deleteMinutesOf(db, 'shadow_minute_reason', options);
  await deleteMinutesOf(db, 'shadow_group_minute', options);
  const groups = await deleteOpenGroups(db, options);
  await recountSamples(db, [...samples.groupIds], options.batchSize);
  return { samples: samples.deleted, minutes, groups };
}

async function deleteSamples(
  db: Kysely<ShadowDatabase>,
  { olderThan, batchSize }: ExpiryOptions,
): Promise<{ deleted: number; groupIds: Set<string> }> {
  let deletedTotal = 0;
  const groupIds = new Set<string>();
  for (;;) {
    const deleted = await sql<{ group_id: string }>`
      DELETE FROM strangler.shadow_sample s
      USING (SELECT id FROM strangler.shadow_sample WHERE captured_at < ${olderThan} LIMIT ${batchSize}) doomed
      WHERE s.id = doomed.id
      RETURNING s.group_id`.execute(db);
    deletedTotal += deleted.rows.length;
    for (const row of deleted.rows) groupIds.add(row.group_id);
    if (deleted.rows.length < batchSize) return { deleted: deletedTotal, groupIds };
  }
}

/** Runs a batched delete until a batch deletes fewer than `batchSize` rows; returns the total. */
async function inBatches(batchSize: number, deleteBatch: () => Promise<bigint | undefined>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = Number((await deleteBatch()) ?? 0n);
    total += n;
    if (n < batchSize) return total;
  }
}

function deleteMinutesOf(
  db: Kysely<ShadowDatabase>,
  table: 'shadow_minute' | 'shadow_minute_reason' | 'shadow_group_minute',
  { olderThan, batchSize }: ExpiryOptions,
): Promise<number> {
  return inBatches(batchSize, async () => {
    const deleted = await sql`
      DELETE FROM ${sql.table(`strangler.${table}`)}
      WHERE ctid IN (SELECT ctid FROM ${sql.table(`strangler.${table}`)} WHERE minute < ${olderThan} LIMIT ${batchSize})`.execute(
      db,
    );
    return deleted.numAffectedRows;
  });
}

/** Groups QA has decided on (accepted, defect) stay: they carry the decision and its rule. */
function deleteOpenGroups(
  db: Kysely<ShadowDatabase>,
  { olderThan, batchSize }: ExpiryOptions,
): Promise<number> {
  return inBatches(batchSize, async () => {
    const deleted = await sql`
      DELETE FROM strangler.shadow_group
      WHERE id IN (SELECT id FROM strangler.shadow_group
                   WHERE status = 'open' AND last_seen < ${olderThan} LIMIT ${batchSize})`.execute(db);
    return deleted.numAffectedRows;
  });
}

/** Groups that lost samples may take new ones again, up to the cap. */
async function recountSamples(
  db: Kysely<ShadowDatabase>,
  ids: readonly string[],
  batchSize: number,
): Promise<void> {
  for (let i = 0; i < ids.length; i += batchSize) {
    const chunk = ids.slice(i, i + batchSize);
    await sql`
      UPDATE strangler.shadow_group g
      SET sample_count = (SELECT count(*) FROM strangler.shadow_sample s WHERE s.group_id = g.id)
      WHERE g.id = ANY(${chunk}::uuid[])`.execute(db);
  }
}
