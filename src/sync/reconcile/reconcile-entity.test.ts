import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';

import { createPostgresLegacyChangeFeed } from '../../../adapters/postgres/sync-change-feed.ts';
import { createPostgresLegacyReader } from '../../../adapters/postgres/sync-legacy-reader.ts';
import { createPostgresLegacyWriter } from '../../../adapters/postgres/sync-legacy-writer.ts';
import { createSilentLogger } from '../../observability/logger.ts';
import { createChangePoller } from '../change-poller.ts';
import { createOutboxRelay } from '../outbox-relay.ts';
import { createPgRowReader } from '../pg-row-reader.ts';
import { newSideTarget } from '../pg-sync-sql.ts';
import { rowFingerprint } from '../canonical-row.ts';
import { LEGACY_OWNS_ALL, syncEntity } from '../sync-entities.ts';
import type { SyncOwnership } from '../sync-entities.ts';
import { pollUntilCaughtUp, seedMirrored } from '../testing/sync-fixtures.ts';
import { createSyncTestDatabases } from '../testing/sync-test-databases.ts';
import type { SyncTestDatabases } from '../testing/sync-test-databases.ts';
import { reconcileEntity } from './reconcile-entity.ts';
import { repairMismatches } from './repair-mismatches.ts';

const athletes = syncEntity('athletes');
const key = (i: number) => `md5('athlete' || ${i})::uuid`;

describe('reconciliation', () => {
  let dbs: SyncTestDatabases;
  const logger = createSilentLogger();
  const deps = () => ({
    newPool: dbs.newPool,
    legacy: createPostgresLegacyReader(dbs.legacyPool),
    newSide: createPgRowReader(dbs.newPool, newSideTarget),
    logger,
  });
  const options = { chunkSize: 100, bucketDigits: 2, lagWindowMs: 20 };

  beforeAll(async () => {
    dbs = await createSyncTestDatabases();
  });
  afterAll(async () => {
    await dbs.close();
  });
  beforeEach(async () => {
    await dbs.reset();
    await seedMirrored(dbs.newPool, dbs.legacyPool, { squads: 5, athletes: 1000 });
  });

  it('reports no difference between equal sides whatever their driver formats', async () => {
    const result = await reconcileEntity(deps(), athletes, options);

    expect(result).toMatchObject({ legacyRows: 1000, newRows: 1000, differingBuckets: 0, mismatches: [] });
    const run = await dbs.newPool.query(
      `SELECT status, legacy_rows::int AS l, new_rows::int AS n, different FROM strangler.recon_run`,
    );
    expect(run.rows).toEqual([{ status: 'done', l: 1000, n: 1000, different: 0 }]);
  });

  it("builds the readers' fast-path fingerprints exactly as the canonical rows would", async () => {
    await dbs.legacyPool.query(
      `UPDATE dbo."Athletes" SET "Position" = NULL, "FirstName" = 'Zoë|3:x' WHERE "AthleteId" = ${key(5)}`,
    );
    for (const reader of [
      createPostgresLegacyReader(dbs.legacyPool),
      createPgRowReader(dbs.newPool, newSideTarget),
    ]) {
      const rows = await reader.scan(athletes, null, 50);
      const fast = (await reader.scanFingerprints?.(athletes, null, 50)) ?? [];
      expect(fast).toEqual(rows.map((row) => [row.id, rowFingerprint(athletes, row)]));
    }
  });

  it('compares the row keyed by the all-zero GUID (Guid.Empty) like any other', async () => {
    const empty = '00000000-0000-0000-0000-000000000000';
    await dbs.legacyPool.query(
      `INSERT INTO dbo."Athletes" ("AthleteId", "SquadId", "FirstName", "LastName", "Email", "DateOfBirth", "Position",
         "IsActive", "CreatedAt", "UpdatedAt", "Version")
       SELECT $1, "SquadId", 'Empty', 'Guid', 'empty@example.test', "DateOfBirth", NULL, true, "CreatedAt", "UpdatedAt", 1
       FROM dbo."Athletes" WHERE "AthleteId" = ${key(1)}`,
      [empty],
    );

    for (const parallelism of [1, 2]) {
      const result = await reconcileEntity(deps(), athletes, { ...options, parallelism });
      expect(result.mismatches.map((m) => [m.key, m.kind])).toEqual([[empty, 'missing_in_new']]);
    }
  });

  it('classifies a changed row, a row missing on each side, and a microsecond difference', async () => {
    await dbs.legacyPool.query(
      `UPDATE dbo."Athletes" SET "FirstName" = 'Changed' WHERE "AthleteId" = ${key(10)}`,
    );
    await dbs.newPool.query(`DELETE FROM athletes WHERE id = ${key(20)}`);
    await dbs.legacyPool.query(`DELETE FROM dbo."Athletes" WHERE "AthleteId" = ${key(30)}`);
    await dbs.newPool.query(
      `UPDATE athletes SET updated_at = updated_at + interval '1 microsecond' WHERE id = ${key(40)}`,
    );

    const result = await reconcileEntity(deps(), athletes, options);

    const ids = await dbs.newPool.query<{ i: number; id: string }>(
      `SELECT i, ${key(0).replace('0', 'i')}::text AS id FROM unnest(ARRAY[10, 20, 30, 40]) AS i`,
    );
    const idOf = new Map(ids.rows.map((r) => [r.i, r.id]));
    expect(result.counts).toEqual({ different: 2, missing_in_new: 1, missing_in_legacy: 1 });
    expect(new Map(result.mismatches.map((m) => [m.key, m.kind]))).toEqual(
      new Map([
        [idOf.get(10), 'different'],
        [idOf.get(20), 'missing_in_new'],
        [idOf.get(30), 'missing_in_legacy'],
        [idOf.get(40), 'different'],
      ]),
    );
    const stored = await dbs.newPool.query(
      `SELECT kind, count(*)::int AS n FROM strangler.recon_mismatch GROUP BY kind ORDER BY kind`,
    );
    expect(stored.rows).toEqual([
      { kind: 'different', n: 2 },
      { kind: 'missing_in_legacy', n: 1 },
      { kind: 'missing_in_new', n: 1 },
    ]);
  });

  it.each<[string, SyncOwnership]>([
    ['legacy', LEGACY_OWNS_ALL],
    ['new', { ...LEGACY_OWNS_ALL, athletes: 'new' }],
  ])(
    'repairs through the sync path with %s as owner, after which a new run finds nothing',
    async (_owner, ownership) => {
      await dbs.legacyPool.query(
        `UPDATE dbo."Athletes" SET "FirstName" = 'Changed' WHERE "AthleteId" = ${key(10)}`,
      );
      await dbs.newPool.query(`DELETE FROM athletes WHERE id = ${key(20)}`);
      await dbs.legacyPool.query(`DELETE FROM dbo."Athletes" WHERE "AthleteId" = ${key(30)}`);
      const first = await reconcileEntity(deps(), athletes, options);
      expect(first.mismatches).toHaveLength(3);
      const writer = createPostgresLegacyWriter(dbs.legacyPool);

      await repairMismatches(
        { newPool: dbs.newPool, legacyWriter: writer, ownership },
        first.runId,
        first.mismatches,
        'tester',
      );
      await createOutboxRelay({ pool: dbs.newPool, writer, ownership, logger }).runOnce();
      const poller = createChangePoller({
        pool: dbs.newPool,
        feed: createPostgresLegacyChangeFeed(dbs.legacyPool),
        ownership,
        logger,
      });
      await pollUntilCaughtUp(poller, dbs.newPool, dbs.legacyPool);

      const second = await reconcileEntity(deps(), athletes, options);
      expect(second.mismatches).toEqual([]);
      const audited = await dbs.newPool.query(
        `SELECT count(*)::int AS n FROM strangler.sync_audit WHERE outcome = 'repair_sent' AND actor = 'tester'`,
      );
      expect(audited.rows[0]).toEqual({ n: 3 });
    },
  );
});
