import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { Registry } from 'prom-client';

import { createPostgresLegacySyncEngine } from '../../adapters/postgres/sync-engine.ts';
import { createSilentLogger } from '../observability/logger.ts';
import { enqueueChangePg } from './outbox.ts';
import { createPgRowReader } from './pg-row-reader.ts';
import { newSideTarget } from './pg-sync-sql.ts';
import { reconcileEntity } from './reconcile/reconcile-entity.ts';
import { parseOwnership, SYNC_ENTITIES } from './sync-entities.ts';
import { createSyncRuntime } from './sync-runtime.ts';
import { changeFeedCaughtUp, inTransaction, seedMirrored } from './testing/sync-fixtures.ts';
import { createSyncTestDatabases } from './testing/sync-test-databases.ts';
import type { SyncTestDatabases } from './testing/sync-test-databases.ts';

/*
 * Writes through a legacy route and through a new route, interleaved on the same
 * athletes, end with both databases equal by reconciliation, with the provoked conflicts listed.
 */
describe('both directions at once', () => {
  let dbs: SyncTestDatabases;
  const logger = createSilentLogger();

  beforeAll(async () => {
    dbs = await createSyncTestDatabases();
    await seedMirrored(dbs.newPool, dbs.legacyPool, { squads: 2, athletes: 40 });
  });
  afterAll(async () => {
    await dbs.close();
  });

  /** What a new handler does: bump the version under the row lock, enqueue in the same transaction. */
  const newRouteWrite = (id: string, name: string) =>
    inTransaction(dbs.newPool, async (client) => {
      await client.query(
        `UPDATE athletes SET first_name = $2, version = version + 1, updated_at = clock_timestamp() WHERE id = $1`,
        [id, name],
      );
      await enqueueChangePg(client, { entity: 'athletes', operation: 'upsert', key: id });
    });
  /** What the legacy API does: its own UPDATE, nothing else. */
  const legacyRouteWrite = (pool: Pick<pg.Pool, 'query'>, id: string, name: string) =>
    pool.query(
      `UPDATE dbo."Athletes" SET "FirstName" = $2, "Version" = "Version" + 1, "UpdatedAt" = now() AT TIME ZONE 'UTC' WHERE "AthleteId" = $1`,
      [id, name],
    );

  it('converges under interleaved writes from both routes and lists the provoked conflicts', async () => {
    const ids = (
      await dbs.newPool.query<{ id: string }>(`SELECT id::text AS id FROM athletes ORDER BY id`)
    ).rows.map((r) => r.id);
    const registry = new Registry();
    const runtime = createSyncRuntime({
      newPool: dbs.newPool,
      legacy: createPostgresLegacySyncEngine(dbs.legacyPool),
      ownership: parseOwnership('athletes=new'),
      logger,
      registry,
      relay: { idlePollMs: 20 },
      poller: { idlePollMs: 20 },
    });

    // Provoked conflict, before the sync runs: both sides edit athlete 0 from the same version.
    const contested = ids[0] ?? '';
    await newRouteWrite(contested, 'new route edit');
    await legacyRouteWrite(dbs.legacyPool, contested, 'legacy route edit');

    runtime.start();
    try {
      for (let round = 0; round < 60; round += 1) {
        const id = ids[1 + (round % (ids.length - 1))] ?? '';
        if (round % 2 === 0) await newRouteWrite(id, `new ${round}`);
        else await legacyRouteWrite(dbs.legacyPool, id, `legacy ${round}`);
        if (round % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 30));
      }
      const deadline = Date.now() + 20_000;
      for (;;) {
        const status = await runtime.getSyncStatus();
        if (status.outbox.pending === 0 && (await changeFeedCaughtUp(dbs.newPool, dbs.legacyPool))) break;
        if (Date.now() > deadline) throw new Error(`sync did not settle: ${JSON.stringify(status)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await runtime.stop();
    }

    const deps = {
      newPool: dbs.newPool,
      legacy: createPostgresLegacySyncEngine(dbs.legacyPool).reader,
      newSide: createPgRowReader(dbs.newPool, newSideTarget),
      logger,
    };
    for (const entity of SYNC_ENTITIES) {
      expect((await reconcileEntity(deps, entity, { lagWindowMs: 100, bucketDigits: 1 })).mismatches).toEqual(
        [],
      );
    }
    // The owner (new) wins the contested athlete on both sides; legacy's losing edit is listed.
    const contestedRows = await Promise.all([
      dbs.newPool.query(`SELECT first_name FROM athletes WHERE id = $1`, [contested]),
      dbs.legacyPool.query(`SELECT "FirstName" AS first_name FROM dbo."Athletes" WHERE "AthleteId" = $1`, [
        contested,
      ]),
    ]);
    expect(contestedRows.map((r) => r.rows[0])).toEqual([
      { first_name: 'new route edit' },
      { first_name: 'new route edit' },
    ]);
    const conflicts = await dbs.newPool.query(
      `SELECT entity_key, kind, owner, incoming_row ->> 'first_name' AS lost FROM strangler.sync_conflicts WHERE entity_key = $1`,
      [contested],
    );
    expect(conflicts.rows).toEqual([
      { entity_key: contested, kind: 'non_owner_lost', owner: 'new', lost: 'legacy route edit' },
    ]);
    // Racing writes on the other athletes may add conflicts of their own; the metric counts each stored one once.
    const stored = await dbs.newPool.query<{ direction: string; n: number }>(
      `SELECT direction, count(*)::int AS n FROM strangler.sync_conflicts GROUP BY direction`,
    );
    const metric = await registry.getSingleMetric('strangler_sync_conflicts_total')?.get();
    expect(Object.fromEntries((metric?.values ?? []).map((v) => [v.labels.direction, v.value]))).toEqual(
      Object.fromEntries(stored.rows.map((r) => [r.direction, r.n])),
    );
    const status = await runtime.getSyncStatus();
    expect(status).toMatchObject({
      outbox: { pending: 0 },
      deadLetters: { count: 0 },
      conflicts: { open: stored.rows.reduce((sum, r) => sum + r.n, 0) },
    });
    expect(status.checkpoints.map((c) => c.feed)).toEqual(['legacy_to_new']);
  });
});
