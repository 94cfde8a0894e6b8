/**
 * Backfill legacy → PostgreSQL, resumable and throttled, with a run ledger (strangler.backfill_run);
 * usage below (`npm run backfill -- --help`).
 * Re-running after an interruption resumes the entity's unfinished run after its last committed page.
 * Each entity ends with a reconciliation (strangler.recon_run); exit code 1 when it found differences.
 */
import type pg from 'pg';

import { createLogger } from '../src/observability/logger.ts';
import { backfillEntity } from '../src/sync/backfill/backfill-entity.ts';
import type { LegacySyncEngine } from '../src/sync/sync-engine.ts';
import { SYNC_ENTITIES } from '../src/sync/sync-entities.ts';
import type { SyncEntity } from '../src/sync/sync-entities.ts';
import { integerOption } from './cli-args.ts';
import { createProgress } from './progress.ts';
import { estimatedRows, syncScriptOptions, syncScriptSettings, sumOverEntities } from './sync-script.ts';

const USAGE = `usage: [DATABASE_URL=… LEGACY_DATABASE_URL=…] npm run backfill -- [--entity athletes]… [--batch 1000]
    [--rows-per-second 5000] [--actor you@example.com] [--no-reconcile] [--ownership athletes=new,…]
  --entity           only this entity (repeatable; default all: ${SYNC_ENTITIES.map((e) => e.name).join(', ')})
  --batch            rows per page (one transaction each)
  --rows-per-second  throttle (0: as fast as the databases go)
  --actor            who is recorded for the run (default user@host)
  --no-reconcile     skip the reconciliation each entity ends with
  --ownership        which side owns each entity (default SYNC_OWNERSHIP, else legacy)
Re-running after an interruption resumes after the last committed page.
Exit code 0 when done and equal, 1 when reconciliation found differences, 2 on bad usage.`;

const values = syncScriptOptions(
  {
    batch: { type: 'string', default: '1000' },
    'rows-per-second': { type: 'string', default: '0' },
    'no-reconcile': { type: 'boolean', default: false },
  },
  USAGE,
);
const settings = syncScriptSettings(USAGE, values, (problems) => ({
  batchSize: integerOption(problems, '--batch', values.batch, 1, 100_000),
  rowsPerSecond: integerOption(problems, '--rows-per-second', values['rows-per-second'], 0, 10_000_000),
}));

const logger = createLogger(process.env.LOG_LEVEL ?? 'info');
// Parents first, so foreign keys hold on the new side.
const entities = [...settings.entities].sort((a, b) => a.order - b.order);
const differences = await sumOverEntities(settings, 'strangler-backfill', logger, entities, backfillOne);
process.exit(differences > 0 ? 1 : 0);

/** Backfills one entity and prints its run; returns the differences its reconciliation found. */
async function backfillOne(entity: SyncEntity, newPool: pg.Pool, legacy: LegacySyncEngine): Promise<number> {
  const progress = createProgress({
    label: `backfill ${entity.name}`,
    total: await estimatedRows([legacy.reader], entity),
  });
  const onProgress = (rowsRead: number): void => progress.at(rowsRead);
  const result = await backfillEntity(
    { newPool, legacy: legacy.reader, ownership: settings.ownership, logger, onProgress },
    entity,
    {
      batchSize: settings.batchSize,
      rowsPerSecond: settings.rowsPerSecond,
      actor: values.actor,
      reconcile: !values['no-reconcile'],
    },
  );
  progress.done();
  console.log(
    `${entity.name.padEnd(18)} run ${result.runId}: read ${result.rowsRead}, written ${result.rowsWritten}, ` +
      `not written and recorded (newer on the new side, conflicts, refused: strangler.sync_conflicts) ${result.rowsRecorded}, ` +
      `checksum ${result.checksum}, reconciliation run ${result.reconRunId ?? '-'} (${result.mismatches} differences)`,
  );
  return result.mismatches;
}
