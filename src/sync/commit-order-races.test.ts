import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';

import { createPostgresLegacyChangeFeed } from '../../adapters/postgres/sync-change-feed.ts';
import { createPostgresLegacyReader } from '../../adapters/postgres/sync-legacy-reader.ts';
import { createSilentLogger } from '../observability/logger.ts';
import { createChangePoller } from './change-poller.ts';
import type { ChangePoller } from './change-poller.ts';
import { createPgRowReader } from './pg-row-reader.ts';
import { newSideTarget } from './pg-sync-sql.ts';
import { reconcileEntity } from './reconcile/reconcile-entity.ts';
import { LEGACY_OWNS_ALL, syncEntity } from './sync-entities.ts';
import { athlete, legacySideWriteAthlete, legacySideWriteSquad } from './testing/sync-fixtures.ts';
import type { AthleteFields } from './testing/sync-fixtures.ts';
import { createSyncTestDatabases } from './testing/sync-test-databases.ts';
import type { SyncTestDatabases } from './testing/sync-test-databases.ts';

const ROUNDS = Number(process.env.SYNC_RACE_ROUNDS ?? 200);
const DEADLINE_MS = 45_000;

/** Two legacy transactions whose ids are taken in one order and whose commits land in the other. */
async function crossedTransactions(
  pool: pg.Pool,
  first: (client: pg.PoolClient) => Promise<void>,
  second: (client: pg.PoolClient) => Promise<void>,
): Promise<void> {
  const begunFirst = await pool.connect();
  const begunSecond = await pool.connect();
  try {
    for (const client of [begunFirst, begunSecond]) {
      await client.query('BEGIN');
      await client.query('SELECT pg_current_xact_id()');
    }
    // The later transaction writes and commits first; the earlier one then writes what depends on it.
    await second(begunSecond);
    await begunSecond.query('COMMIT');
    await first(begunFirst);
    await begunFirst.query('COMMIT');
  } finally {
    begunFirst.release();
    begunSecond.release();
  }
}

describe('legacy → PostgreSQL in commit order, under racing legacy transactions', () => {
  let dbs: SyncTestDatabases;
  let poller: ChangePoller;
  const athletes = syncEntity('athletes');

  beforeAll(async () => {
    dbs = await createSyncTestDatabases({ poolMax: 8 });
    await dbs.reset();
    // One entry per batch: every batch boundary falls between two transactions.
    poller = createChangePoller({
      pool: dbs.newPool,
      feed: createPostgresLegacyChangeFeed(dbs.legacyPool),
      reader: createPostgresLegacyReader(dbs.legacyPool),
      ownership: LEGACY_OWNS_ALL,
      logger: createSilentLogger(),
      options: { batchSize: 1, idlePollMs: 1, holdRefused: { rounds: 3, ms: 0 } },
    });
  });
  afterAll(async () => {
    await dbs.close();
  });

  async function pollUntilIdle(): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const result = await poller.runOnce();
      if (result.entriesRead === 0 && !(result.held > 0)) return;
      if (Date.now() > deadline) throw new Error('the poller did not catch up');
    }
  }

  /** Every committed legacy athlete on the new side at its version, and no difference reconciliation sees. */
  async function expectEveryWritePresent(written: readonly AthleteFields[]): Promise<number> {
    const rows = await dbs.newPool.query<{ id: string; email: string; version: string }>(
      `SELECT id::text, email, version::text FROM athletes WHERE id = ANY($1::uuid[])`,
      [written.map((a) => a.id)],
    );
    const byId = new Map(rows.rows.map((r) => [r.id, r]));
    const missing = written.filter((a) => byId.get(a.id)?.email !== a.email);
    const recon = await reconcileEntity(
      {
        newPool: dbs.newPool,
        legacy: createPostgresLegacyReader(dbs.legacyPool),
        newSide: createPgRowReader(dbs.newPool, newSideTarget),
        logger: createSilentLogger(),
      },
      athletes,
      { chunkSize: 1000, bucketDigits: 1, lagWindowMs: 0 },
    );
    return missing.length + recon.mismatches.length;
  }

  it('hands on a parent committed before its child, and an e-mail released before it is taken, however their transactions began', async () => {
    const squadWithOrg = randomUUID();
    await legacySideWriteSquad(dbs.legacyPool, squadWithOrg);
    const started = Date.now();
    let rounds = 0;
    let lostRounds = 0;
    for (; rounds < ROUNDS && Date.now() - started < DEADLINE_MS; rounds++) {
      const squadId = randomUUID();
      const child = athlete(squadId, rounds);
      const releasing = athlete(squadWithOrg, rounds);
      await legacySideWriteAthlete(dbs.legacyPool, releasing);
      const taking = { ...athlete(squadWithOrg, rounds), email: releasing.email };
      const released = { ...releasing, email: `released-${releasing.email}`, version: 2 };
      const polling = pollUntilIdle();
      await Promise.all([
        crossedTransactions(
          dbs.legacyPool,
          (c) => legacySideWriteAthlete(c, child),
          (c) => legacySideWriteSquad(c, squadId),
        ),
        crossedTransactions(
          dbs.legacyPool,
          (c) => legacySideWriteAthlete(c, taking),
          (c) => legacySideWriteAthlete(c, released),
        ),
      ]);
      await polling;
      await pollUntilIdle();
      if ((await expectEveryWritePresent([child, taking, released])) > 0) lostRounds++;
    }

    const conflicts = await dbs.newPool.query(`SELECT kind, error FROM strangler.sync_conflicts`);
    expect({ rounds: rounds >= Math.min(ROUNDS, 50), lostRounds, conflicts: conflicts.rows }).toEqual({
      rounds: true,
      lostRounds: 0,
      conflicts: [],
    });
  }, 120_000);
});
