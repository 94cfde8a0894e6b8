import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Kysely, PostgresDialect } from 'kysely';

import { createSyncWatch } from '../shadow/runner/sync-watch.ts';
import { syncPassed, syncPoint, syncTouched } from './sync-in-flight.ts';
import { createSyncTestDatabases, type SyncTestDatabases } from './testing/sync-test-databases.ts';

/*
 * What the sync can tell the shadow side from its own tables, on a real new database: the rows are
 * written here as the relay and the poller write them.
 */

let dbs: SyncTestDatabases;
let db: Kysely<unknown>;

beforeAll(async () => {
  dbs = await createSyncTestDatabases({ poolMax: 2 });
  db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: dbs.newPool }) });
}, 60_000);

afterAll(async () => {
  await dbs?.close();
});

beforeEach(async () => {
  await dbs.reset();
});

const query = (text: string, values: unknown[] = []) => dbs.newPool.query(text, values);

/** A feed checkpoint as the poller leaves it: moved by a read that began at `updatedAt`. */
const checkpoint = (updatedAt: string, caughtUp: boolean) =>
  query(
    `INSERT INTO strangler.sync_checkpoints (feed, position, updated_at, caught_up)
     VALUES ('legacy_to_new', 'null', ${updatedAt}, $1)
     ON CONFLICT (feed) DO UPDATE SET updated_at = excluded.updated_at, caught_up = excluded.caught_up`,
    [caughtUp],
  );

describe('the sync as the shadow side sees it', () => {
  it('has passed a point once the outbox events pending then are done and a feed read began after it', async () => {
    await checkpoint('now()', true);
    const pending = await query(
      `INSERT INTO strangler.sync_outbox (entity, entity_key, operation, version)
       VALUES ('wellness_entries', 'k1', 'delete', 1) RETURNING id`,
    );
    const point = await syncPoint(db, ['wellness_entries']);
    expect(point.outboxUpTo).toBe(String(pending.rows[0]?.id));
    expect(await syncPassed(db, point, ['wellness_entries'])).toBe(false);

    await query(`UPDATE strangler.sync_outbox SET status = 'done', done_at = now()`);
    // The feed was last read before the point: a legacy write may still be unread.
    expect(await syncPassed(db, point, ['wellness_entries'])).toBe(false);
    // A read after the point that did not read everything there was is not enough either.
    await checkpoint('clock_timestamp()', false);
    expect(await syncPassed(db, point, ['wellness_entries'])).toBe(false);
    await checkpoint('clock_timestamp()', true);
    expect(await syncPassed(db, point, ['wellness_entries'])).toBe(true);
  });

  it('ignores outbox events of other tables, and events written after the point', async () => {
    await query(
      `INSERT INTO strangler.sync_outbox (entity, entity_key, operation, version)
       VALUES ('squads', 'k1', 'delete', 1)`,
    );
    const point = await syncPoint(db, ['wellness_entries']);
    expect(point.outboxUpTo).toBeNull();
    await query(
      `INSERT INTO strangler.sync_outbox (entity, entity_key, operation, version)
       VALUES ('wellness_entries', 'k2', 'delete', 1)`,
    );
    await checkpoint('clock_timestamp()', true);
    expect(await syncPassed(db, point, ['wellness_entries'])).toBe(true);
  });

  it("says the route's tables were touched only by a change of one of them inside the window", async () => {
    await query(
      `INSERT INTO strangler.sync_audit (direction, entity, entity_key, event_id, version, outcome, at)
       VALUES ('legacy_to_new', 'athletes', 'k1', gen_random_uuid(), 2, 'applied', now() - interval '1 hour'),
              ('new_to_legacy', 'squads', 'k2', gen_random_uuid(), 2, 'applied', now())`,
    );
    const point = await syncPoint(db, ['athletes']);
    expect(await syncTouched(db, point, ['athletes'], 5_000)).toBe(false);
    expect(await syncTouched(db, point, ['athletes'], 2 * 3_600_000)).toBe(true);
    expect(await syncTouched(db, point, ['squads'], 5_000)).toBe(true);
  });

  it('does not wait for a sync whose feed has stopped moving: it could not catch up in time', async () => {
    await checkpoint(`now() - interval '1 minute'`, true);
    await query(
      `INSERT INTO strangler.sync_audit (direction, entity, entity_key, event_id, version, outcome)
       VALUES ('legacy_to_new', 'athletes', 'k1', gen_random_uuid(), 2, 'applied')`,
    );
    const watch = createSyncWatch(db, { waitMs: 5_000 });
    expect(await watch.settle(['athletes'], 5_000)).toBe(false);
    // Moving again, it is waited for, and the change it carried is seen.
    await checkpoint('now()', true);
    const polls = setInterval(() => void checkpoint('clock_timestamp()', true), 50);
    try {
      expect(await watch.settle(['athletes'], 5_000)).toBe(true);
    } finally {
      clearInterval(polls);
    }
  });
});
