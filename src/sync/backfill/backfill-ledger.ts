import type { Logger } from '../../observability/logger.ts';
import { fastHash64, rowFingerprint } from '../canonical-row.ts';
import type { CanonicalRow } from '../canonical-row.ts';
import type { SyncEntity } from '../sync-entities.ts';
import type { Queryable } from '../pg-transaction.ts';

/** Where a backfill run stands, as its row of strangler.backfill_run keeps it. */
export interface BackfillProgress {
  /** The last key copied (null before the first page). */
  readonly after: string | null;
  readonly rowsRead: number;
  readonly rowsWritten: number;
  /** 16 hex digits: the XOR of the fingerprints of the rows read. */
  readonly checksum: string;
}

export interface BackfillRun extends BackfillProgress {
  readonly id: string;
}

interface LedgerRow {
  id: string;
  last_key: string | null;
  rows_read: string;
  rows_written: string;
  checksum: string | null;
}

/** The entity's unfinished run, to resume after its last page, or a new one. */
export async function openBackfillRun(
  pool: Queryable,
  entity: SyncEntity,
  actor: string,
  logger: Logger,
): Promise<BackfillRun> {
  const existing = await pool.query<LedgerRow>(
    `SELECT id::text, last_key, rows_read::text, rows_written::text, checksum FROM strangler.backfill_run
     WHERE entity = $1 AND direction = 'legacy_to_new' AND status = 'running' ORDER BY id DESC LIMIT 1`,
    [entity.name],
  );
  const resumed = existing.rows[0];
  if (resumed !== undefined) {
    logger.info('backfill: resuming', { entity: entity.name, runId: resumed.id, after: resumed.last_key });
    return runOf(resumed);
  }
  const created = await pool.query<LedgerRow>(
    `INSERT INTO strangler.backfill_run (entity, direction, actor, checksum) VALUES ($1, 'legacy_to_new', $2, '0000000000000000')
     RETURNING id::text, last_key, rows_read::text, rows_written::text, checksum`,
    [entity.name, actor],
  );
  const row = created.rows[0];
  if (row === undefined) throw new Error('backfill: could not create the run ledger row');
  return runOf(row);
}

function runOf(row: LedgerRow): BackfillRun {
  return {
    id: row.id,
    after: row.last_key,
    rowsRead: Number(row.rows_read),
    rowsWritten: Number(row.rows_written),
    checksum: row.checksum ?? '0000000000000000',
  };
}

/** Records a copied page, in the transaction that copied it. */
export async function advanceBackfillRun(
  client: Queryable,
  runId: string,
  progress: BackfillProgress,
): Promise<void> {
  await client.query(
    `UPDATE strangler.backfill_run SET last_key = $2, rows_read = $3, rows_written = $4, checksum = $5 WHERE id = $1`,
    [runId, progress.after, progress.rowsRead, progress.rowsWritten, progress.checksum],
  );
}

export async function finishBackfillRun(
  pool: Queryable,
  runId: string,
  reconRunId: string | null,
): Promise<void> {
  await pool.query(
    `UPDATE strangler.backfill_run SET status = 'done', finished_at = now(), recon_run_id = $2 WHERE id = $1`,
    [runId, reconRunId],
  );
}

/** The checksum with the rows' fingerprints XORed in, so it does not depend on the order rows come in. */
export function withRowsInChecksum(
  checksum: string,
  entity: SyncEntity,
  rows: readonly CanonicalRow[],
): string {
  let high = Number.parseInt(checksum.slice(0, 8), 16) >>> 0;
  let low = Number.parseInt(checksum.slice(8, 16), 16) >>> 0;
  for (const row of rows) {
    const [a, b] = fastHash64(rowFingerprint(entity, row));
    high = (high ^ a) >>> 0;
    low = (low ^ b) >>> 0;
  }
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}
