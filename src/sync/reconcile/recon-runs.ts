import type { Mismatch, MismatchKind } from './mismatch.ts';
import type { Queryable } from '../pg-transaction.ts';
import { rowAsJsonb } from '../postgres-text.ts';

/** What a finished run found, as strangler.recon_run keeps it. */
export interface ReconRunTotals {
  readonly legacyRows: number;
  readonly newRows: number;
  readonly differingBuckets: number;
  readonly counts: Readonly<Record<MismatchKind, number>>;
}

/** Opens a run in strangler.recon_run and returns its id. */
export async function startReconRun(
  pool: Queryable,
  entity: string,
  buckets: number,
  actor: string,
): Promise<string> {
  const run = await pool.query<{ id: string }>(
    `INSERT INTO strangler.recon_run (entity, buckets, actor) VALUES ($1, $2, $3) RETURNING id::text AS id`,
    [entity, buckets, actor],
  );
  return run.rows[0]?.id ?? '';
}

export async function storeMismatches(
  pool: Queryable,
  runId: string,
  entity: string,
  mismatches: readonly Mismatch[],
): Promise<void> {
  if (mismatches.length === 0) return;
  await pool.query(
    `INSERT INTO strangler.recon_mismatch (run_id, entity, entity_key, kind, legacy_row, new_row)
     SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::jsonb[], $6::jsonb[])`,
    [
      runId,
      entity,
      mismatches.map((m) => m.key),
      mismatches.map((m) => m.kind),
      mismatches.map((m) => rowAsJsonb(m.legacyRow)),
      mismatches.map((m) => rowAsJsonb(m.newRow)),
    ],
  );
}

export async function finishReconRun(pool: Queryable, runId: string, totals: ReconRunTotals): Promise<void> {
  await pool.query(
    `UPDATE strangler.recon_run SET finished_at = now(), status = 'done', legacy_rows = $2, new_rows = $3,
       differing_buckets = $4, missing_in_legacy = $5, missing_in_new = $6, different = $7 WHERE id = $1`,
    [
      runId,
      totals.legacyRows,
      totals.newRows,
      totals.differingBuckets,
      totals.counts.missing_in_legacy,
      totals.counts.missing_in_new,
      totals.counts.different,
    ],
  );
}

export async function failReconRun(pool: Queryable, runId: string, error: unknown): Promise<void> {
  await pool.query(
    `UPDATE strangler.recon_run SET finished_at = now(), status = 'failed', error = $2 WHERE id = $1`,
    [runId, error instanceof Error ? error.message : String(error)],
  );
}
