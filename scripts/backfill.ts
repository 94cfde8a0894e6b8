/**
 * Backfill legacy → PostgreSQL, resumable and throttled, with a run ledger (strangler.backfill_run):
 *   DATABASE_URL=… LEGACY_DATABASE_URL=… node scripts/backfill.ts [--entity athletes]… [--batch 1000]
 *     [--rows-per-second 5000] [--actor you@example.com] [--no-reconcile] [--ownership athletes=new]
 * Re-running after an interruption resumes the entity's unfinished run after its last committed page.
 * Each entity ends with a reconciliation (strangler.recon_run); exit code 1 when it found differences.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';

import { createLogger } from '../src/observability/logger.ts';
import { backfillEntity } from '../src/sync/backfill/backfill-entity.ts';
import { openLegacySyncEngine } from '../src/sync/open-legacy-sync-engine.ts';
import { createSyncPool } from '../src/sync/sync-pool.ts';
import { parseOwnership, SYNC_ENTITIES, syncEntity } from '../src/sync/sync-entities.ts';

const { values } = parseArgs({
  options: {
    entity: { type: 'string', multiple: true },
    batch: { type: 'string', default: '1000' },
    'rows-per-second': { type: 'string', default: '0' },
    actor: { type: 'string', default: `${os.userInfo().username}@${os.hostname()}` },
    'no-reconcile': { type: 'boolean', default: false },
    ownership: { type: 'string' },
  },
});

const databaseUrl = process.env.DATABASE_URL;
const legacyUrl = process.env.LEGACY_DATABASE_URL;
if (databaseUrl === undefined || legacyUrl === undefined) {
  console.error('DATABASE_URL and LEGACY_DATABASE_URL are required');
  process.exit(2);
}

const logger = createLogger(process.env.LOG_LEVEL ?? 'info');
// A dropped connection must fail the run with a message, not crash it with an unhandled 'error' event.
const newPool = createSyncPool(
  { connectionString: databaseUrl, max: 3, application_name: 'strangler-backfill' },
  (error) => logger.warn('connection lost', { error: error.message }),
);
const legacy = openLegacySyncEngine(legacyUrl, { applicationName: 'strangler-backfill' });
// Parents first, so foreign keys hold on the new side.
const entities = (values.entity === undefined ? [...SYNC_ENTITIES] : values.entity.map(syncEntity)).sort(
  (a, b) => a.order - b.order,
);
let differences = 0;
try {
  for (const entity of entities) {
    const result = await backfillEntity(
      {
        newPool,
        legacy: legacy.engine.reader,
        ownership: parseOwnership(values.ownership ?? process.env.SYNC_OWNERSHIP),
        logger,
      },
      entity,
      {
        batchSize: Number(values.batch),
        rowsPerSecond: Number(values['rows-per-second']),
        actor: values.actor,
        reconcile: !values['no-reconcile'],
      },
    );
    differences += result.mismatches;
    console.log(
      `${entity.name.padEnd(18)} run ${result.runId}: read ${result.rowsRead}, written ${result.rowsWritten}, ` +
        `checksum ${result.checksum}, reconciliation run ${result.reconRunId ?? '-'} (${result.mismatches} differences)`,
    );
  }
} finally {
  await Promise.all([newPool.end(), legacy.close()]);
}
process.exit(differences > 0 ? 1 : 0);
