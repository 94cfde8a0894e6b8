import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';

import { createPostgresLegacyChangeFeed } from '../../adapters/postgres/sync-change-feed.ts';
import { createPostgresLegacyReader } from '../../adapters/postgres/sync-legacy-reader.ts';
import { createPostgresLegacyWriter } from '../../adapters/postgres/sync-legacy-writer.ts';
import { createSilentLogger } from '../observability/logger.ts';
import { createChangePoller } from './change-poller.ts';
import { createOutboxRelay } from './outbox-relay.ts';
import { createPgRowReader } from './pg-row-reader.ts';
import { newSideTarget } from './pg-sync-sql.ts';
import { reconcileEntity } from './reconcile/reconcile-entity.ts';
import { LEGACY_OWNS_ALL, syncEntity } from './sync-entities.ts';
import type { SyncOwnership } from './sync-entities.ts';
import { inTransaction } from './pg-transaction.ts';
import {
  athlete,
  legacySideWriteAthlete,
  newSideWriteAthlete,
  newSideWriteSquad,
} from './testing/sync-fixtures.ts';
import type { AthleteFields } from './testing/sync-fixtures.ts';
import {
  bothRows,
  conflictRecorded,
  legacyWrite,
  newSideUpdate,
  race,
  runRounds,
  waitSettled,
} from './testing/sync-races.ts';
import type { CommittedWrite } from './testing/sync-races.ts';
import { createSyncTestDatabases } from './testing/sync-test-databases.ts';
import type { SyncTestDatabases } from './testing/sync-test-databases.ts';

/*
 * Real races between the two applications with the relay and the poller running: every round ends
 * with every committed write either present on both sides, overwritten by a later write that saw it,
 * or recorded in strangler.sync_conflicts. SYNC_RACE_ROUNDS changes the number of rounds (200).
 */
const ROUNDS = Number(process.env.SYNC_RACE_ROUNDS ?? 200);
const PARALLEL = 6;
const OWNERSHIPS: [string, SyncOwnership][] = [
  ['new', { ...LEGACY_OWNS_ALL, organisations: 'new', squads: 'new', athletes: 'new' }],
  ['legacy', LEGACY_OWNS_ALL],
];

describe.each(OWNERSHIPS)('sync races, athletes owned by %s', (_owner, ownership) => {
  let dbs: SyncTestDatabases;
  const logger = createSilentLogger();
  let squadId = '';

  beforeAll(async () => {
    dbs = await createSyncTestDatabases({ poolMax: 10 });
  });
  afterAll(async () => {
    await dbs.close();
  });
  beforeEach(async () => {
    await dbs.reset();
    squadId = randomUUID();
    await newSideWriteSquad(dbs.newPool, squadId);
  });

  /** Runs `rounds` with the relay and the poller looping, then reconciles; returns the silent losses. */
  async function withSyncRunning(rounds: (round: number) => Promise<string[]>): Promise<string[]> {
    const options = { idlePollMs: 2, backoff: { baseMs: 1, maxMs: 5 } };
    const writer = createPostgresLegacyWriter(dbs.legacyPool);
    const relay = createOutboxRelay({ pool: dbs.newPool, writer, ownership, logger, options });
    const feed = createPostgresLegacyChangeFeed(dbs.legacyPool);
    const poller = createChangePoller({ pool: dbs.newPool, feed, ownership, logger, options });
    relay.start();
    poller.start();
    const lost: string[] = [];
    try {
      await runRounds(ROUNDS, PARALLEL, async (i) => {
        lost.push(...(await rounds(i)));
      });
    } finally {
      await relay.stop();
      await poller.stop();
    }
    const recon = await reconcileEntity(
      {
        newPool: dbs.newPool,
        legacy: createPostgresLegacyReader(dbs.legacyPool),
        newSide: createPgRowReader(dbs.newPool, newSideTarget),
        logger,
      },
      syncEntity('athletes'),
      { chunkSize: 500, bucketDigits: 1, lagWindowMs: 20 },
    );
    expect(recon.mismatches).toEqual([]);
    // The rounds did race: some writes lost, each of them recorded.
    const recorded = await dbs.newPool.query(`SELECT 1 FROM strangler.sync_conflicts`);
    expect(recorded.rows.length).toBeGreaterThan(0);
    return lost;
  }

  /** An athlete both sides hold, as the sync left it. */
  async function syncedAthlete(i: number): Promise<string> {
    const a = athlete(squadId, i);
    await newSideWriteAthlete(dbs.newPool, a);
    await waitSettled(dbs.newPool, dbs.legacyPool, a.id);
    return a.id;
  }

  /** A write that is neither in the settled row, nor under a later write that saw it, nor recorded. */
  async function silentlyLost(
    key: string,
    write: CommittedWrite,
    other: CommittedWrite,
    settled: CommittedWrite | null,
  ): Promise<boolean> {
    if (write.version === null) return false;
    if (settled !== null && settled.value === write.value) return false;
    // A later update on top of it has a higher version; a delete that removed it, at least its version.
    const sawIt = other.value === null ? 0 : 1;
    if (other.version !== null && other.version >= write.version + sawIt) return false;
    return !(await conflictRecorded(dbs.newPool, key, write.value));
  }

  it(`keeps or records both of two same-version updates (${ROUNDS} rounds, legacy transactions held open)`, async () => {
    const lost = await withSyncRunning(async (i) => {
      const key = await syncedAthlete(i);
      const [fromNew, fromLegacy] = await race(
        () => newSideUpdate(dbs.newPool, key, `new-${i}`),
        () => legacyWrite(dbs.legacyPool, key, `legacy-${i}`, i % 2 === 0 ? 0 : 5 + (i % 20)),
      );
      await waitSettled(dbs.newPool, dbs.legacyPool, key);
      const rows = await bothRows(dbs.newPool, dbs.legacyPool, key);
      expect(rows.new).toEqual(rows.legacy);
      const losses: string[] = [];
      if (await silentlyLost(key, fromNew, fromLegacy, rows.legacy)) losses.push(`round ${i}: new write`);
      if (await silentlyLost(key, fromLegacy, fromNew, rows.legacy)) losses.push(`round ${i}: legacy write`);
      return losses;
    });
    expect({ rounds: ROUNDS, lost }).toEqual({ rounds: ROUNDS, lost: [] });
  }, 120_000);

  it(`keeps a legacy delete deleted against a concurrent new-side update, or records it (${ROUNDS} rounds)`, async () => {
    const lost = await withSyncRunning(async (i) => {
      const key = await syncedAthlete(i);
      const [fromNew, deleted] = await race(
        () => newSideUpdate(dbs.newPool, key, `new-${i}`),
        () => legacyWrite(dbs.legacyPool, key, null, i % 2 === 0 ? 0 : 5 + (i % 20)),
      );
      await waitSettled(dbs.newPool, dbs.legacyPool, key);
      const rows = await bothRows(dbs.newPool, dbs.legacyPool, key);
      expect(rows.new).toEqual(rows.legacy);
      const losses: string[] = [];
      // A legacy delete is final under either ownership (docs/sync.md): the row is gone on both sides.
      if (rows.legacy !== null && !(await conflictRecorded(dbs.newPool, key, null)))
        losses.push(`round ${i}: legacy delete undone`);
      if (await silentlyLost(key, fromNew, deleted, rows.legacy)) losses.push(`round ${i}: new write`);
      return losses;
    });
    expect({ rounds: ROUNDS, lost }).toEqual({ rounds: ROUNDS, lost: [] });
  }, 120_000);
});

describe('relay against a legacy transaction held open (athletes owned by new)', () => {
  let dbs: SyncTestDatabases;
  const logger = createSilentLogger();
  const ownership = OWNERSHIPS[0]?.[1] ?? LEGACY_OWNS_ALL;

  beforeAll(async () => {
    dbs = await createSyncTestDatabases();
  });
  afterAll(async () => {
    await dbs.close();
  });

  /** A new-side create of an athlete waiting in the outbox (its squad already on legacy). */
  async function pendingCreate(): Promise<{ a: AthleteFields; relay: () => Promise<unknown> }> {
    await dbs.reset();
    const squadId = randomUUID();
    await newSideWriteSquad(dbs.newPool, squadId);
    const writer = createPostgresLegacyWriter(dbs.legacyPool);
    const relay = createOutboxRelay({ pool: dbs.newPool, writer, ownership, logger });
    await relay.runOnce();
    const a = athlete(squadId, 1);
    await newSideWriteAthlete(dbs.newPool, a);
    return { a, relay: () => relay.runOnce() };
  }

  /** An athlete on both sides at version 1, then a new-side update to version 2 waiting in the outbox. */
  async function pendingUpdate(): Promise<{ key: string; relay: () => Promise<unknown> }> {
    const { a, relay } = await pendingCreate();
    await relay();
    await newSideUpdate(dbs.newPool, a.id, 'from-new');
    return { key: a.id, relay };
  }

  it('leaves a row legacy inserts under the same key while the relay creates it, and records the create', async () => {
    const { a, relay } = await pendingCreate();
    const held = inTransaction(dbs.legacyPool, async (client) => {
      await legacySideWriteAthlete(client, { ...a, firstName: 'from-legacy' });
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await Promise.all([held, relay()]);

    expect((await bothRows(dbs.newPool, dbs.legacyPool, a.id)).legacy).toEqual({
      value: 'from-legacy',
      version: 1,
    });
    const conflicts = await dbs.newPool.query(
      `SELECT direction, kind, incoming_row ->> 'first_name' AS lost FROM strangler.sync_conflicts WHERE entity_key = $1`,
      [a.id],
    );
    expect(conflicts.rows).toEqual([{ direction: 'new_to_legacy', kind: 'owner_lost', lost: 'First1' }]);
  });

  it('waits for a held legacy update at the same version, then records it as overwritten', async () => {
    const { key, relay } = await pendingUpdate();
    const held = legacyWrite(dbs.legacyPool, key, 'from-legacy', 300);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await Promise.all([held, relay()]);

    expect((await bothRows(dbs.newPool, dbs.legacyPool, key)).legacy).toEqual({
      value: 'from-new',
      version: 2,
    });
    const conflicts = await dbs.newPool.query(
      `SELECT direction, kind, incoming_row ->> 'first_name' AS lost FROM strangler.sync_conflicts WHERE entity_key = $1`,
      [key],
    );
    expect(conflicts.rows).toEqual([
      { direction: 'legacy_to_new', kind: 'non_owner_lost', lost: 'from-legacy' },
    ]);
  });

  it('does not re-insert a row a held legacy delete removes, and records the update as lost', async () => {
    const { key, relay } = await pendingUpdate();
    const held = legacyWrite(dbs.legacyPool, key, null, 300);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await Promise.all([held, relay()]);

    expect((await bothRows(dbs.newPool, dbs.legacyPool, key)).legacy).toBeNull();
    const conflicts = await dbs.newPool.query(
      `SELECT kind, incoming_row ->> 'first_name' AS lost, current_row FROM strangler.sync_conflicts WHERE entity_key = $1`,
      [key],
    );
    expect(conflicts.rows).toEqual([{ kind: 'owner_lost', lost: 'from-new', current_row: null }]);
  });
});
