/**
 * Reconciles the legacy database with PostgreSQL and prints what differs (usage below:
 * `npm run reconcile -- --help`).
 * Runs are stored in strangler.recon_run / recon_mismatch. --repair re-sends the owner side's row of each
 * difference through the sync path (audited in strangler.sync_audit). Exit code 1 when differences remain.
 */
import type pg from 'pg';

import { createLogger } from '../src/observability/logger.ts';
import { createPgRowReader } from '../src/sync/pg-row-reader.ts';
import { newSideTarget } from '../src/sync/pg-sync-sql.ts';
import type { Mismatch } from '../src/sync/reconcile/mismatch.ts';
import { reconcileEntity } from '../src/sync/reconcile/reconcile-entity.ts';
import type { ReconcileResult } from '../src/sync/reconcile/reconcile-entity.ts';
import { repairMismatches } from '../src/sync/reconcile/repair-mismatches.ts';
import type { LegacySyncEngine } from '../src/sync/sync-engine.ts';
import { SYNC_ENTITIES } from '../src/sync/sync-entities.ts';
import type { SyncEntity } from '../src/sync/sync-entities.ts';
import { integerOption } from './cli-args.ts';
import { createProgress } from './progress.ts';
import { estimatedRows, syncScriptOptions, syncScriptSettings, sumOverEntities } from './sync-script.ts';

const USAGE = `usage: [DATABASE_URL=… LEGACY_DATABASE_URL=…] npm run reconcile -- [--entity athletes]… [--repair]
    [--actor you@example.com] [--lag-window-ms 5000] [--bucket-digits 3] [--chunk 10000]
    [--ownership athletes=new,…]
  --entity         only this entity (repeatable; default all: ${SYNC_ENTITIES.map((e) => e.name).join(', ')})
  --repair         re-send the owner side's row of each difference through the sync path (audited)
  --actor          who is recorded for the run and its repairs (default user@host)
  --lag-window-ms  wait before differing rows are checked again, to let the sync catch up
  --bucket-digits  hex digits of the key hash per bucket (more: smaller buckets)
  --chunk          rows read per query
  --ownership      which side owns each entity (default SYNC_OWNERSHIP, else legacy)
Exit code 0 when both sides agree, 1 when differences remain, 2 on bad usage.`;

const values = syncScriptOptions(
  {
    repair: { type: 'boolean', default: false },
    'lag-window-ms': { type: 'string', default: '5000' },
    'bucket-digits': { type: 'string', default: '3' },
    chunk: { type: 'string', default: '10000' },
  },
  USAGE,
);
const settings = syncScriptSettings(USAGE, values, (problems) => ({
  lagWindowMs: integerOption(problems, '--lag-window-ms', values['lag-window-ms'], 0, 3_600_000),
  bucketDigits: integerOption(problems, '--bucket-digits', values['bucket-digits'], 1, 5),
  chunkSize: integerOption(problems, '--chunk', values.chunk, 1, 1_000_000),
}));

const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
const { ownership, entities } = settings;

const remaining = await sumOverEntities(settings, 'strangler-reconcile', logger, entities, reconcileOne);
process.exit(remaining > 0 ? 1 : 0);

/** Reconciles one entity, prints the run and repairs it if asked; returns the differences left. */
async function reconcileOne(entity: SyncEntity, newPool: pg.Pool, legacy: LegacySyncEngine): Promise<number> {
  const newSide = createPgRowReader(newPool, newSideTarget);
  const progress = createProgress({
    label: `reconcile ${entity.name} (both sides)`,
    total: await estimatedRows([legacy.reader, newSide], entity),
  });
  const onRowsScanned = (rows: number): void => progress.add(rows);
  const result = await reconcileEntity(
    { newPool, legacy: legacy.reader, newSide, logger, onRowsScanned },
    entity,
    {
      actor: values.actor,
      lagWindowMs: settings.lagWindowMs,
      bucketDigits: settings.bucketDigits,
      chunkSize: settings.chunkSize,
    },
  );
  progress.done();
  printResult(result);
  if (!values.repair || result.mismatches.length === 0) return result.mismatches.length;
  const sent = await repairMismatches(
    { newPool, legacyWriter: legacy.writer, ownership },
    result.runId,
    result.mismatches,
    values.actor,
  );
  console.log(
    `  repair: ${sent} rows re-sent from their owner (${ownership[entity.name]}) through the sync path`,
  );
  return 0;
}

/** The run's counts, then its first 20 mismatches with the columns that differ. */
function printResult(result: ReconcileResult): void {
  const { counts } = result;
  console.log(
    `${result.entity.padEnd(18)} run ${result.runId}: legacy ${result.legacyRows} rows, new ${result.newRows} rows, ` +
      `${result.differingBuckets} differing buckets, missing in legacy ${counts.missing_in_legacy}, ` +
      `missing in new ${counts.missing_in_new}, different ${counts.different} (${result.durationMs} ms)`,
  );
  for (const m of result.mismatches.slice(0, 20))
    console.log(`  ${m.kind.padEnd(17)} ${m.key} ${changedColumns(m)}`);
  if (result.mismatches.length > 20)
    console.log(`  … ${result.mismatches.length - 20} more in strangler.recon_mismatch`);
}

function changedColumns(m: Mismatch): string {
  if (m.kind !== 'different' || m.legacyRow === null || m.newRow === null) return '';
  return Object.keys(m.newRow)
    .filter((k) => m.newRow?.[k] !== m.legacyRow?.[k])
    .map((k) => `${k}: legacy=${JSON.stringify(m.legacyRow?.[k])} new=${JSON.stringify(m.newRow?.[k])}`)
    .join('; ');
}
