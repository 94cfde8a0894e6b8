import { expect, it } from '@jest/globals';
import type pg from 'pg';

import { athlete, newSideWriteAthlete } from './testing/sync-fixtures.ts';
import { syncWorkerSuite } from './testing/sync-worker-suite.ts';

/*
 * SIGTERM to a sync worker (scripts/sync-worker.ts) whose relay holds a claimed batch: legacy's row is
 * locked by the test, so the batch is in flight for as long as the test wants.
 */

const suite = syncWorkerSuite({ squads: 1, env: { SYNC_OWNERSHIP: 'athletes=new', SYNC_ROLE: 'relay' } });
const worker = suite.worker;
const squadId = async (): Promise<string> =>
  (await suite.dbs.newPool.query<{ id: string }>('SELECT id::text AS id FROM squads LIMIT 1')).rows[0]!.id;

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + 15_000;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const pending = async (): Promise<number> =>
  (
    await suite.dbs.newPool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM strangler.sync_outbox WHERE status = 'pending'`,
    )
  ).rows[0]!.n;

/** True when no relay holds the pending events: another one could claim them now. */
async function claimable(): Promise<boolean> {
  const client = await suite.dbs.newPool.connect();
  try {
    await client.query('BEGIN');
    const { rowCount } = await client.query(
      `SELECT 1 FROM strangler.sync_outbox WHERE status = 'pending' FOR UPDATE SKIP LOCKED`,
    );
    return rowCount === (await pending());
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

/** Writes version 2 of an athlete legacy already has, with legacy's row locked: the relay's batch waits. */
async function batchInFlight(): Promise<pg.PoolClient> {
  const written = athlete(await squadId(), 1);
  await newSideWriteAthlete(suite.dbs.newPool, written);
  await waitFor('version 1 relayed', async () => (await pending()) === 0);
  const blocker = await suite.dbs.legacyPool.connect();
  await blocker.query('BEGIN');
  await blocker.query('SELECT 1 FROM dbo."Athletes" WHERE "AthleteId" = $1 FOR NO KEY UPDATE', [written.id]);
  await newSideWriteAthlete(suite.dbs.newPool, { ...written, version: 2, firstName: 'Renamed' });
  await waitFor('the batch to be claimed', async () => !(await claimable()));
  return blocker;
}

it('on SIGTERM the relay finishes the batch it has claimed, then exits 0', async () => {
  const relay = await worker();
  const blocker = await batchInFlight();
  relay.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(relay.child.exitCode).toBeNull();
  const exited = new Promise((resolve) => relay.child.once('exit', resolve));
  await blocker.query('COMMIT');
  blocker.release();
  expect(await exited).toBe(0);
  expect(await pending()).toBe(0);
  expect(relay.output()).toContain('sync worker stopped');
});

it('a batch still in flight at SHUTDOWN_TIMEOUT_MS is released with the exit: another relay takes it at once', async () => {
  const relay = await worker({ SHUTDOWN_TIMEOUT_MS: '300' });
  const blocker = await batchInFlight();
  await relay.kill('SIGTERM');
  expect(relay.child.exitCode).toBe(0);
  expect(relay.output()).toContain('sync did not stop within the shutdown timeout');
  expect(await pending()).toBe(1);
  await waitFor('the claim to be released', claimable);
  await blocker.query('COMMIT');
  blocker.release();
  await worker();
  await waitFor('the event applied by the other relay', async () => (await pending()) === 0);
});
