import type pg from 'pg';

import type { Logger } from '../../observability/logger.ts';
import { fastHash64, rowFingerprint } from '../canonical-row.ts';
import { applyLegacyChangesToNew } from '../pg-apply.ts';
import { recordResults } from '../sync-records.ts';
import { newSideTarget } from '../pg-sync-sql.ts';
import { inTransaction } from '../pg-transaction.ts';
import { createPgRowReader } from '../pg-row-reader.ts';
import type { RowReader } from '../pg-row-reader.ts';
import { scannedRowsAsUpserts } from '../sync-engine.ts';
import type { SyncEntity, SyncOwnership } from '../sync-entities.ts';
import { reconcileEntity } from '../reconcile/reconcile-entity.ts';

export interface BackfillOptions {
  readonly batchSize: number;
  /** Throttle: at most this many rows per second (0 = unthrottled), so legacy is not swamped. */
  readonly rowsPerSecond: number;
  readonly actor: string;
  /** Stop after this many batches (the run stays resumable); for tests and careful first runs. */
  readonly maxBatches?: number;
  readonly reconcile: boolean;
}

export interface BackfillDeps {
  readonly newPool: pg.Pool;
  readonly legacy: RowReader;
  readonly ownership: SyncOwnership;
  readonly logger: Logger;
}

export interface BackfillResult {
  readonly runId: string;
  readonly status: 'done' | 'paused';
  readonly rowsRead: number;
  readonly rowsWritten: number;
  /** Rows of this invocation not written and recorded instead (conflicts, refused rows; see sync_conflicts). */
  readonly rowsRecorded: number;
  readonly checksum: string;
  readonly reconRunId: string | null;
  readonly mismatches: number;
}

interface LedgerRow {
  id: string;
  last_key: string | null;
  rows_read: string;
  rows_written: string;
  checksum: string | null;
}

/**
 * Copies one entity from legacy to PostgreSQL: keyset pages in legacy's key
 * order, each applied with the version guard (a row the new side already has newer is left alone) in
 * the same transaction that advances the run ledger, so a crash or Ctrl-C resumes after the last page.
 * The ledger keeps who, when, counts and an order-independent checksum of the rows read; the run ends
 * with a reconciliation of the entity.
 */
export async function backfillEntity(
  deps: BackfillDeps,
  entity: SyncEntity,
  options: BackfillOptions,
): Promise<BackfillResult> {
  const existing = await deps.newPool.query<LedgerRow>(
    `SELECT id::text, last_key, rows_read::text, rows_written::text, checksum FROM strangler.backfill_run
     WHERE entity = $1 AND direction = 'legacy_to_new' AND status = 'running' ORDER BY id DESC LIMIT 1`,
    [entity.name],
  );
  const ledger =
    existing.rows[0] ??
    (
      await deps.newPool.query<LedgerRow>(
        `INSERT INTO strangler.backfill_run (entity, direction, actor, checksum) VALUES ($1, 'legacy_to_new', $2, '0000000000000000')
         RETURNING id::text, last_key, rows_read::text, rows_written::text, checksum`,
        [entity.name, options.actor],
      )
    ).rows[0];
  if (ledger === undefined) throw new Error('backfill: could not create the run ledger row');
  if (existing.rows[0] !== undefined) {
    deps.logger.info('backfill: resuming', { entity: entity.name, runId: ledger.id, after: ledger.last_key });
  }

  let after = ledger.last_key;
  let rowsRead = Number(ledger.rows_read);
  let rowsWritten = Number(ledger.rows_written);
  let [high, low] = splitChecksum(ledger.checksum ?? '0000000000000000');
  let batches = 0;
  let notWrittenCount = 0;
  const started = Date.now();
  const startRows = rowsRead;

  for (;;) {
    if (options.maxBatches !== undefined && batches >= options.maxBatches) {
      return {
        runId: ledger.id,
        status: 'paused',
        rowsRead,
        rowsWritten,
        rowsRecorded: notWrittenCount,
        checksum: joinChecksum(high, low),
        reconRunId: null,
        mismatches: 0,
      };
    }
    const rows = await deps.legacy.scan(entity, after, options.batchSize);
    if (rows.length === 0) break;
    const changes = scannedRowsAsUpserts(entity, rows);
    for (const row of rows) {
      const [a, b] = fastHash64(rowFingerprint(entity, row));
      high = (high ^ a) >>> 0;
      low = (low ^ b) >>> 0;
    }
    await inTransaction(deps.newPool, async (client) => {
      const results = await applyLegacyChangesToNew(client, changes, deps.ownership);
      const written = results.filter((r) => r.outcome === 'applied').length;
      // Written rows are counted in the run's ledger row; what did not go in (a newer row on the new
      // side, a conflict, a row the new schema refuses) is audited and recorded like the poller's.
      const notWritten = results.filter((r) => r.outcome !== 'applied' && r.outcome !== 'unchanged');
      if (notWritten.length > 0) {
        const ids = new Set(notWritten.map((r) => r.eventId));
        const changed = changes.filter((c) => ids.has(c.eventId));
        await recordResults(client, 'legacy_to_new', changed, notWritten, deps.ownership, 'backfill');
        notWrittenCount += notWritten.length;
      }
      after = changes.at(-1)?.key ?? after;
      rowsRead += rows.length;
      rowsWritten += written;
      await client.query(
        `UPDATE strangler.backfill_run SET last_key = $2, rows_read = $3, rows_written = $4, checksum = $5 WHERE id = $1`,
        [ledger.id, after, rowsRead, rowsWritten, joinChecksum(high, low)],
      );
    });
    batches += 1;
    if (options.rowsPerSecond > 0) {
      const due = ((rowsRead - startRows) / options.rowsPerSecond) * 1000 - (Date.now() - started);
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    }
    if (rows.length < options.batchSize) break;
  }

  let reconRunId: string | null = null;
  let mismatches = 0;
  if (options.reconcile) {
    const recon = await reconcileEntity(
      {
        newPool: deps.newPool,
        legacy: deps.legacy,
        newSide: createPgRowReader(deps.newPool, newSideTarget),
        logger: deps.logger,
      },
      entity,
      { actor: options.actor },
    );
    reconRunId = recon.runId;
    mismatches = recon.mismatches.length;
  }
  await deps.newPool.query(
    `UPDATE strangler.backfill_run SET status = 'done', finished_at = now(), recon_run_id = $2 WHERE id = $1`,
    [ledger.id, reconRunId],
  );
  return {
    runId: ledger.id,
    status: 'done',
    rowsRead,
    rowsWritten,
    rowsRecorded: notWrittenCount,
    checksum: joinChecksum(high, low),
    reconRunId,
    mismatches,
  };
}

function splitChecksum(hex: string): [number, number] {
  return [Number.parseInt(hex.slice(0, 8), 16) >>> 0, Number.parseInt(hex.slice(8, 16), 16) >>> 0];
}

function joinChecksum(high: number, low: number): string {
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}
