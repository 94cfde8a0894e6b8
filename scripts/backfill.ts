/**
 * Backfill legacy → PostgreSQL, resumable and throttled, with a run ledger (strangler.backfill_run);
 * usage below (`npm run backfill -- --help`).
 * Re-running after an interruption resumes the entity's unfinished run after its last committed page.
 * Each entity ends with a reconciliation (strangler.recon_run); exit code 1 when it found differences.
 */
import { createLogger } from '../src/observability/logger.ts';
import { backfillEntity } from '../src/sync/backfill/backfill-entity.ts';
import { SYNC_ENTITIES } from '../src/sync/sync-entities.ts';
import {
  cliOptions,
  DEFAULT_ACTOR,
  integerOption,
  requiredEnv,
  settingsOrExit,
  syncScopeSettings,
} from './cli-args.ts';
import { openSyncDatabases } from './open-sync-databases.ts';

const USAGE = `usage: DATABASE_URL=… LEGACY_DATABASE_URL=… npm run backfill -- [--entity athletes]… [--batch 1000]
    [--rows-per-second 5000] [--actor you@example.com] [--no-reconcile] [--ownership athletes=new,…]
  --entity           only this entity (repeatable; default all: ${SYNC_ENTITIES.map((e) => e.name).join(', ')})
  --batch            rows per page (one transaction each)
  --rows-per-second  throttle (0: as fast as the databases go)
  --actor            who is recorded for the run (default user@host)
  --no-reconcile     skip the reconciliation each entity ends with
  --ownership        which side owns each entity (default SYNC_OWNERSHIP, else legacy)
Re-running after an interruption resumes after the last committed page.
Exit code 0 when done and equal, 1 when reconciliation found differences, 2 on bad usage.`;

const values = cliOptions(
  {
    entity: { type: 'string', multiple: true },
    batch: { type: 'string', default: '1000' },
    'rows-per-second': { type: 'string', default: '0' },
    actor: { type: 'string', default: DEFAULT_ACTOR },
    'no-reconcile': { type: 'boolean', default: false },
    ownership: { type: 'string' },
  },
  USAGE,
);
const settings = settingsOrExit(USAGE, (problems) => ({
  databaseUrl: requiredEnv(problems, 'DATABASE_URL'),
  legacyUrl: requiredEnv(problems, 'LEGACY_DATABASE_URL'),
  batchSize: integerOption(problems, '--batch', values.batch, 1, 100_000),
  rowsPerSecond: integerOption(problems, '--rows-per-second', values['rows-per-second'], 0, 10_000_000),
  ...syncScopeSettings(problems, values),
}));

const logger = createLogger(process.env.LOG_LEVEL ?? 'info');
const { newPool, legacy } = openSyncDatabases(settings, 'strangler-backfill', logger);
// Parents first, so foreign keys hold on the new side.
const entities = [...settings.entities].sort((a, b) => a.order - b.order);
let differences = 0;
try {
  for (const entity of entities) {
    const result = await backfillEntity(
      {
        newPool,
        legacy: legacy.engine.reader,
        ownership: settings.ownership,
        logger,
      },
      entity,
      {
        batchSize: settings.batchSize,
        rowsPerSecond: settings.rowsPerSecond,
        actor: values.actor,
        reconcile: !values['no-reconcile'],
      },
    );
    differences += result.mismatches;
    console.log(
      `${entity.name.padEnd(18)} run ${result.runId}: read ${result.rowsRead}, written ${result.rowsWritten}, ` +
        `not written and recorded (newer on the new side, conflicts, refused: strangler.sync_conflicts) ${result.rowsRecorded}, ` +
        `checksum ${result.checksum}, reconciliation run ${result.reconRunId ?? '-'} (${result.mismatches} differences)`,
    );
  }
} finally {
  await Promise.all([newPool.end(), legacy.close()]);
}
process.exit(differences > 0 ? 1 : 0);
