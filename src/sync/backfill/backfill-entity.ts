import type pg from 'pg';

import type { Logger } from '../../observability/logger.ts';
import type { CanonicalRow } from '../canonical-row.ts';
import { applyLegacyChangesToNew } from '../pg-apply.ts';
import { recordResults } from '../sync-records.ts';
import { newSideTarget } from '../pg-sync-sql.ts';
import { inTransaction } from '../pg-transaction.ts';
import { createPgRowReader } from '../pg-row-reader.ts';
import type { RowReader } from '../pg-row-reader.ts';
import { scannedRowsAsUpserts } from '../sync-engine.ts';
import type { SyncEntity, SyncOwnership } from '../sync-entities.ts';
import { reconcileEntity } from '../reconcile/reconcile-entity.ts';
import type { ReconcileResult } from '../reconcile/reconcile-entity.ts';
import {
  advanceBackfillRun,
  finishBackfillRun,
  openBackfillRun,
  withRowsInChecksum,
} from './backfill-ledger.ts';
import type { BackfillProgress } from './backfill-ledger.ts';

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
  /** Rows read so far (a resumed run starts at what earlier runs read): called at the start and per page. */
  readonly onProgress?: (rowsRead: number) => void;
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
  const run = await openBackfillRun(deps.newPool, entity, options.actor, deps.logger);
  let progress: BackfillProgress = run;
  let rowsRecorded = 0;
  const throttle = throttleTo(options.rowsPerSecond, run.rowsRead);
  deps.onProgress?.(run.rowsRead);
  for (let batches = 0; ; batches += 1) {
    if (options.maxBatches !== undefined && batches >= options.maxBatches) {
      return resultOf(run.id, 'paused', progress, rowsRecorded, null, 0);
    }
    const rows = await deps.legacy.scan(entity, progress.after, options.batchSize);
    if (rows.length === 0) break;
    const page = await copyPage(deps, entity, run.id, progress, rows);
    progress = page.progress;
    rowsRecorded += page.recorded;
    deps.onProgress?.(progress.rowsRead);
    await throttle(progress.rowsRead);
    if (rows.length < options.batchSize) break;
  }
  const recon = options.reconcile ? await reconcileAfter(deps, entity, options.actor) : undefined;
  const reconRunId = recon?.runId ?? null;
  await finishBackfillRun(deps.newPool, run.id, reconRunId);
  return resultOf(run.id, 'done', progress, rowsRecorded, reconRunId, recon?.mismatches.length ?? 0);
}

/**
 * One page onto the new side with the version guard, in the transaction that advances the ledger.
 * Written rows are counted in the ledger; what did not go in (a newer row on the new side, a conflict,
 * a row the new schema refuses) is audited and recorded like the poller's.
 */
async function copyPage(
  deps: BackfillDeps,
  entity: SyncEntity,
  runId: string,
  before: BackfillProgress,
  rows: readonly CanonicalRow[],
): Promise<{ progress: BackfillProgress; recorded: number }> {
  const changes = scannedRowsAsUpserts(entity, rows);
  const checksum = withRowsInChecksum(before.checksum, entity, rows);
  return inTransaction(deps.newPool, async (client) => {
    const results = await applyLegacyChangesToNew(client, changes, deps.ownership);
    const written = results.filter((r) => r.outcome === 'applied').length;
    const notWritten = results.filter((r) => r.outcome !== 'applied' && r.outcome !== 'unchanged');
    if (notWritten.length > 0) {
      const ids = new Set(notWritten.map((r) => r.eventId));
      const changed = changes.filter((c) => ids.has(c.eventId));
      await recordResults(client, 'legacy_to_new', changed, notWritten, deps.ownership, 'backfill');
    }
    const progress: BackfillProgress = {
      after: changes.at(-1)?.key ?? before.after,
      rowsRead: before.rowsRead + rows.length,
      rowsWritten: before.rowsWritten + written,
      checksum,
    };
    await advanceBackfillRun(client, runId, progress);
    return { progress, recorded: notWritten.length };
  });
}

function resultOf(
  runId: string,
  status: BackfillResult['status'],
  progress: BackfillProgress,
  rowsRecorded: number,
  reconRunId: string | null,
  mismatches: number,
): BackfillResult {
  const { rowsRead, rowsWritten, checksum } = progress;
  return { runId, status, rowsRead, rowsWritten, rowsRecorded, checksum, reconRunId, mismatches };
}

/** Waits so that rows read since the start stay at most `rowsPerSecond` (0: no limit). */
function throttleTo(rowsPerSecond: number, startRows: number): (rowsRead: number) => Promise<void> {
  const started = Date.now();
  return async (rowsRead) => {
    if (rowsPerSecond <= 0) return;
    const due = ((rowsRead - startRows) / rowsPerSecond) * 1000 - (Date.now() - started);
    if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
  };
}

function reconcileAfter(deps: BackfillDeps, entity: SyncEntity, actor: string): Promise<ReconcileResult> {
  return reconcileEntity(
    {
      newPool: deps.newPool,
      legacy: deps.legacy,
      newSide: createPgRowReader(deps.newPool, newSideTarget),
      logger: deps.logger,
    },
    entity,
    { actor },
  );
}
