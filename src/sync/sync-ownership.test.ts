import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';

import { createPostgresLegacyChangeFeed } from '../../adapters/postgres/sync-change-feed.ts';
import { createPostgresLegacyReader } from '../../adapters/postgres/sync-legacy-reader.ts';
import { createPostgresLegacyWriter } from '../../adapters/postgres/sync-legacy-writer.ts';
import { createSilentLogger } from '../observability/logger.ts';
import { createChangePoller } from './change-poller.ts';
import { createOutboxRelay } from './outbox-relay.ts';
import { enqueueChangePg } from './outbox.ts';
import { inTransaction } from './pg-transaction.ts';
import { createPgRowReader } from './pg-row-reader.ts';
import { newSideTarget } from './pg-sync-sql.ts';
import { reconcileEntity } from './reconcile/reconcile-entity.ts';
import { repairMismatches } from './reconcile/repair-mismatches.ts';
import { LEGACY_OWNS_ALL, syncEntity } from './sync-entities.ts';
import type { SyncOwnership } from './sync-entities.ts';
import {
  athlete,
  legacySideWriteAthlete,
  newSideWriteAthlete,
  newSideWriteSquad,
  pollUntilCaughtUp,
} from './testing/sync-fixtures.ts';
import type { AthleteFields } from './testing/sync-fixtures.ts';
import { bothRows, legacyWrite, newSideUpdate } from './testing/sync-races.ts';
import { createSyncTestDatabases } from './testing/sync-test-databases.ts';
import type { SyncTestDatabases } from './testing/sync-test-databases.ts';

/* The rows of docs/sync.md's ownership table that the race tests do not play: each ends recorded. */
const OWNERSHIPS: [string, SyncOwnership, string][] = [
  ['new', { ...LEGACY_OWNS_ALL, organisations: 'new', squads: 'new', athletes: 'new' }, 'owner_lost'],
  ['legacy', LEGACY_OWNS_ALL, 'non_owner_lost'],
];

describe.each(OWNERSHIPS)('ownership, athletes owned by %s', (owner, ownership, newSideLoss) => {
  let dbs: SyncTestDatabases;
  const logger = createSilentLogger();
  let a: AthleteFields;

  beforeAll(async () => {
    dbs = await createSyncTestDatabases();
  });
  afterAll(async () => {
    await dbs.close();
  });

  const relay = () =>
    createOutboxRelay({
      pool: dbs.newPool,
      writer: createPostgresLegacyWriter(dbs.legacyPool),
      ownership,
      logger,
    });
  const poll = () =>
    pollUntilCaughtUp(
      createChangePoller({
        pool: dbs.newPool,
        feed: createPostgresLegacyChangeFeed(dbs.legacyPool),
        ownership,
        logger,
      }),
      dbs.newPool,
      dbs.legacyPool,
    );
  const conflicts = async () =>
    (
      await dbs.newPool.query(
        `SELECT direction, kind, incoming_version::int AS incoming FROM strangler.sync_conflicts WHERE entity_key = $1`,
        [a.id],
      )
    ).rows;

  beforeEach(async () => {
    await dbs.reset();
    const squadId = randomUUID();
    await newSideWriteSquad(dbs.newPool, squadId);
    a = athlete(squadId, 1, 3);
    await newSideWriteAthlete(dbs.newPool, a);
    await relay().runOnce();
    await poll();
  });

  it('brings back a row the new side deleted while legacy updated it, and records the delete', async () => {
    await inTransaction(dbs.newPool, async (client) => {
      await client.query(`DELETE FROM athletes WHERE id = $1`, [a.id]);
      await enqueueChangePg(client, { entity: 'athletes', operation: 'delete', key: a.id, version: 3 });
    });
    await legacyWrite(dbs.legacyPool, a.id, 'legacy', 0);
    await relay().runOnce();
    await poll();

    const rows = await bothRows(dbs.newPool, dbs.legacyPool, a.id);
    expect(rows).toEqual({ new: { value: 'legacy', version: 4 }, legacy: { value: 'legacy', version: 4 } });
    expect(await conflicts()).toEqual([{ direction: 'new_to_legacy', kind: newSideLoss, incoming: 3 }]);
  });

  it("ends with the owner's row on both sides when legacy's own API overwrites the relay's write at its version", async () => {
    // Legacy's API reads the row, then writes Version = what it read + 1 with no concurrency check: it
    // can land on top of the relay's write, at the same version, after the relay committed.
    await newSideUpdate(dbs.newPool, a.id, 'new');
    await relay().runOnce();
    await dbs.legacyPool.query(
      `UPDATE dbo."Athletes" SET "FirstName" = 'legacy', "Version" = 4 WHERE "AthleteId" = $1`,
      [a.id],
    );
    await poll();
    await relay().runOnce();
    await poll();

    const kept = owner === 'new' ? 'new' : 'legacy';
    expect(await bothRows(dbs.newPool, dbs.legacyPool, a.id)).toEqual({
      new: { value: kept, version: 4 },
      legacy: { value: kept, version: 4 },
    });
    const lost = await dbs.newPool.query(
      `SELECT incoming_row ->> 'first_name' AS lost FROM strangler.sync_conflicts WHERE entity_key = $1`,
      [a.id],
    );
    expect(lost.rows).toEqual([{ lost: owner === 'new' ? 'legacy' : 'new' }]);
  });

  it('records a legacy delete-and-reinsert that restarts Version at 1, and repair makes both sides equal', async () => {
    await dbs.legacyPool.query(`DELETE FROM dbo."Athletes" WHERE "AthleteId" = $1`, [a.id]);
    await legacySideWriteAthlete(dbs.legacyPool, { ...a, firstName: 'Reinserted', version: 1 });
    await poll();

    expect(await bothRows(dbs.newPool, dbs.legacyPool, a.id)).toEqual({
      new: { value: 'First1', version: 3 },
      legacy: { value: 'Reinserted', version: 1 },
    });
    const legacyLoss = owner === 'legacy' ? 'owner_lost' : 'non_owner_lost';
    expect(await conflicts()).toEqual([{ direction: 'legacy_to_new', kind: legacyLoss, incoming: 1 }]);

    const reconDeps = {
      newPool: dbs.newPool,
      legacy: createPostgresLegacyReader(dbs.legacyPool),
      newSide: createPgRowReader(dbs.newPool, newSideTarget),
      logger,
    };
    const options = { chunkSize: 100, bucketDigits: 1, lagWindowMs: 20 };
    const found = await reconcileEntity(reconDeps, syncEntity('athletes'), options);
    expect(found.mismatches.map((m) => m.kind)).toEqual(['different']);
    const legacyWriter = createPostgresLegacyWriter(dbs.legacyPool);
    await repairMismatches(
      { newPool: dbs.newPool, legacyWriter, ownership },
      found.runId,
      found.mismatches,
      'tester',
    );
    await relay().runOnce();
    await poll();
    const rows = await bothRows(dbs.newPool, dbs.legacyPool, a.id);
    expect(rows.new).toEqual(rows.legacy);
    expect(rows.new?.value).toBe(owner === 'legacy' ? 'Reinserted' : 'First1');
  });
});
