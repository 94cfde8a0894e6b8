import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { createPostgresLegacyReader } from '../../../adapters/postgres/sync-legacy-reader.ts';
import { createSilentLogger } from '../../observability/logger.ts';
import { LEGACY_OWNS_ALL, syncEntity } from '../sync-entities.ts';
import { seedMirrored } from '../testing/sync-fixtures.ts';
import { createSyncTestDatabases } from '../testing/sync-test-databases.ts';
import type { SyncTestDatabases } from '../testing/sync-test-databases.ts';
import { backfillEntity } from './backfill-entity.ts';

describe('backfill legacy → PostgreSQL', () => {
  let dbs: SyncTestDatabases;

  beforeAll(async () => {
    dbs = await createSyncTestDatabases();
    // Rows on legacy only: seed both, then empty the new side.
    await seedMirrored(dbs.newPool, dbs.legacyPool, { squads: 3, athletes: 450 });
    await dbs.newPool.query('TRUNCATE athletes, squads CASCADE');
  });
  afterAll(async () => {
    await dbs.close();
  });

  it('resumes from its ledger after a stop, leaves newer new-side rows alone, and ends reconciled', async () => {
    const deps = {
      newPool: dbs.newPool,
      legacy: createPostgresLegacyReader(dbs.legacyPool),
      ownership: LEGACY_OWNS_ALL,
      logger: createSilentLogger(),
    };
    const options = { batchSize: 100, rowsPerSecond: 0, actor: 'tester', reconcile: true };
    await backfillEntity(deps, syncEntity('squads'), options);

    const paused = await backfillEntity(deps, syncEntity('athletes'), { ...options, maxBatches: 2 });
    expect(paused).toMatchObject({ status: 'paused', rowsRead: 200, rowsWritten: 200 });
    // Meanwhile a new handler writes a newer version of a row not yet copied: the backfill must keep it.
    const later = await dbs.legacyPool.query<{ id: string }>(
      `SELECT "AthleteId"::text AS id FROM dbo."Athletes" ORDER BY "AthleteId" OFFSET 300 LIMIT 1`,
    );
    const id = later.rows[0]?.id ?? '';
    await dbs.newPool.query(
      `INSERT INTO athletes (id, squad_id, first_name, last_name, email, date_of_birth, is_active, version)
       VALUES ($1, (SELECT id FROM squads LIMIT 1), 'newer', 'x', 'newer@example.test', '2000-01-01', true, 2)`,
      [id],
    );

    const done = await backfillEntity(deps, syncEntity('athletes'), options);

    expect(done).toMatchObject({ runId: paused.runId, status: 'done', rowsRead: 450, rowsWritten: 449 });
    expect(done.mismatches).toBe(1); // the newer new-side row, reported for an operator to look at
    expect((await dbs.newPool.query(`SELECT first_name FROM athletes WHERE id = $1`, [id])).rows).toEqual([
      { first_name: 'newer' },
    ]);
    const ledger = await dbs.newPool.query(
      `SELECT entity, status, actor, rows_read::int AS read, rows_written::int AS written, length(checksum) AS c, recon_run_id IS NOT NULL AS reconciled
       FROM strangler.backfill_run ORDER BY id`,
    );
    expect(ledger.rows).toEqual([
      { entity: 'squads', status: 'done', actor: 'tester', read: 3, written: 3, c: 16, reconciled: true },
      {
        entity: 'athletes',
        status: 'done',
        actor: 'tester',
        read: 450,
        written: 449,
        c: 16,
        reconciled: true,
      },
    ]);
  });
});
