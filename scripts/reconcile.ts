/**
 * Reconciles the legacy database with PostgreSQL (issue #5 §6) and prints what differs:
 *   DATABASE_URL=… LEGACY_DATABASE_URL=… node scripts/reconcile.ts [--entity athletes]… [--repair]
 *     [--actor you@example.com] [--lag-window-ms 5000] [--bucket-digits 3] [--chunk 10000] [--ownership athletes=new]
 * Runs are stored in strangler.recon_run / recon_mismatch. --repair re-sends the owner side's row of each
 * difference through the sync path (audited in strangler.sync_audit). Exit code 1 when differences remain.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';

import { createLogger } from '../src/observability/logger.ts';
import { openLegacySyncEngine } from '../src/sync/open-legacy-sync-engine.ts';
import { createSyncPool } from '../src/sync/sync-pool.ts';
import { createPgRowReader } from '../src/sync/pg-row-reader.ts';
import { newSideTarget } from '../src/sync/pg-sync-sql.ts';
import { reconcileEntity } from '../src/sync/reconcile/reconcile-entity.ts';
import { repairMismatches } from '../src/sync/reconcile/repair-mismatches.ts';
import { parseOwnership, SYNC_ENTITIES, syncEntity } from '../src/sync/sync-entities.ts';

const { values } = parseArgs({
  options: {
    entity: { type: 'string', multiple: true },
    repair: { type: 'boolean', default: false },
    actor: { type: 'string', default: `${os.userInfo().username}@${os.hostname()}` },
    'lag-window-ms': { type: 'string', default: '5000' },
    'bucket-digits': { type: 'string', default: '3' },
    chunk: { type: 'string', default: '10000' },
    ownership: { type: 'string' },
  },
});

const databaseUrl = process.env.DATABASE_URL;
const legacyUrl = process.env.LEGACY_DATABASE_URL;
if (databaseUrl === undefined || legacyUrl === undefined) {
  console.error('DATABASE_URL and LEGACY_DATABASE_URL are required');
  process.exit(2);
}

const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
// A dropped connection must fail the run with a message, not crash it with an unhandled 'error' event.
const newPool = createSyncPool(
  { connectionString: databaseUrl, max: 3, application_name: 'strangler-reconcile' },
  (error) => logger.warn('connection lost', { error: error.message }),
);
const opened = openLegacySyncEngine(legacyUrl, { applicationName: 'strangler-reconcile' });
const legacy = opened.engine;
const ownership = parseOwnership(values.ownership ?? process.env.SYNC_OWNERSHIP);
const entities = values.entity === undefined ? SYNC_ENTITIES : values.entity.map(syncEntity);
let remaining = 0;

try {
  for (const entity of entities) {
    const result = await reconcileEntity(
      { newPool, legacy: legacy.reader, newSide: createPgRowReader(newPool, newSideTarget), logger },
      entity,
      {
        actor: values.actor,
        lagWindowMs: Number(values['lag-window-ms']),
        bucketDigits: Number(values['bucket-digits']),
        chunkSize: Number(values.chunk),
      },
    );
    const { counts } = result;
    console.log(
      `${entity.name.padEnd(18)} run ${result.runId}: legacy ${result.legacyRows} rows, new ${result.newRows} rows, ` +
        `${result.differingBuckets} differing buckets, missing in legacy ${counts.missing_in_legacy}, ` +
        `missing in new ${counts.missing_in_new}, different ${counts.different} (${result.durationMs} ms)`,
    );
    for (const m of result.mismatches.slice(0, 20)) {
      const changed =
        m.kind === 'different' && m.legacyRow !== null && m.newRow !== null
          ? Object.keys(m.newRow)
              .filter((k) => m.newRow?.[k] !== m.legacyRow?.[k])
              .map(
                (k) =>
                  `${k}: legacy=${JSON.stringify(m.legacyRow?.[k])} new=${JSON.stringify(m.newRow?.[k])}`,
              )
              .join('; ')
          : '';
      console.log(`  ${m.kind.padEnd(17)} ${m.key} ${changed}`);
    }
    if (result.mismatches.length > 20)
      console.log(`  … ${result.mismatches.length - 20} more in strangler.recon_mismatch`);
    if (values.repair && result.mismatches.length > 0) {
      const sent = await repairMismatches(
        { newPool, legacyWriter: legacy.writer, ownership },
        result.runId,
        result.mismatches,
        values.actor,
      );
      console.log(
        `  repair: ${sent} rows re-sent from their owner (${ownership[entity.name]}) through the sync path`,
      );
    } else {
      remaining += result.mismatches.length;
    }
  }
} finally {
  await Promise.all([newPool.end(), opened.close()]);
}
process.exit(remaining > 0 ? 1 : 0);
