import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';

import { createPostgresLegacyChangeFeed } from '../../adapters/postgres/sync-change-feed.ts';
import { createPostgresLegacyReader } from '../../adapters/postgres/sync-legacy-reader.ts';
import { createPostgresLegacyWriter } from '../../adapters/postgres/sync-legacy-writer.ts';
import { createSilentLogger } from '../observability/logger.ts';
import { createChangePoller } from './change-poller.ts';
import { createOutboxRelay } from './outbox-relay.ts';
import { LEGACY_OWNS_ALL } from './sync-entities.ts';
import { getSyncStatus } from './sync-status.ts';
import type { SyncOwnership } from './sync-entities.ts';
import type { LegacyChangeFeed } from './sync-engine.ts';
import {
  athlete,
  legacySideWriteAthlete,
  legacySideWriteSquad,
  newSideWriteAthlete,
  newSideWriteSquad,
  pollUntilCaughtUp,
} from './testing/sync-fixtures.ts';
import { createSyncTestDatabases } from './testing/sync-test-databases.ts';
import type { SyncTestDatabases } from './testing/sync-test-databases.ts';

const NEW_OWNS_ATHLETES: SyncOwnership = { ...LEGACY_OWNS_ALL, athletes: 'new' };

describe('change poller (legacy stand-in → PostgreSQL)', () => {
  let dbs: SyncTestDatabases;
  const logger = createSilentLogger();

  beforeAll(async () => {
    dbs = await createSyncTestDatabases();
  });
  afterAll(async () => {
    await dbs.close();
  });
  beforeEach(async () => {
    await dbs.reset();
  });

  const poller = (ownership: SyncOwnership = LEGACY_OWNS_ALL, feed?: LegacyChangeFeed) =>
    createChangePoller({
      pool: dbs.newPool,
      feed: feed ?? createPostgresLegacyChangeFeed(dbs.legacyPool),
      reader: createPostgresLegacyReader(dbs.legacyPool),
      ownership,
      logger,
      options: { holdRefused: { rounds: 2, ms: 0 } },
    });

  /** Polls until the checkpoint has passed every change-log entry; sums the outcomes. */
  async function pollUntilQuiet(
    ownership: SyncOwnership = LEGACY_OWNS_ALL,
    feed?: LegacyChangeFeed,
  ): Promise<Record<string, number>> {
    const totals: Record<string, number> = {};
    const p = poller(ownership, feed);
    await pollUntilCaughtUp(
      {
        runOnce: async () => {
          const result = await p.runOnce();
          for (const [k, v] of Object.entries(result.outcomes)) totals[k] = (totals[k] ?? 0) + v;
        },
      },
      dbs.newPool,
      dbs.legacyPool,
    );
    return totals;
  }

  it('applies a legacy write to the new database with microseconds, lower-case GUIDs and booleans intact', async () => {
    const squadId = randomUUID().toUpperCase();
    await legacySideWriteSquad(dbs.legacyPool, squadId);
    const a = athlete(squadId, 1);
    await legacySideWriteAthlete(dbs.legacyPool, a);

    // The squad's organisation, the squad and the athlete.
    expect(await pollUntilQuiet()).toEqual({ applied: 3 });

    const rows = await dbs.newPool.query(
      `SELECT id::text, squad_id::text, first_name, position, is_active, version::text,
              to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS created FROM athletes`,
    );
    expect(rows.rows).toEqual([
      {
        id: a.id,
        squad_id: squadId.toLowerCase(),
        first_name: 'First1',
        position: 'Wing',
        is_active: true,
        version: '1',
        created: '2026-01-02 03:04:05.123456',
      },
    ]);
    // Written straight to the tables: nothing goes back into the outbox.
    expect((await dbs.newPool.query(`SELECT count(*)::int AS n FROM strangler.sync_outbox`)).rows[0]).toEqual(
      { n: 0 },
    );
  });

  it('reports a lag of zero once the feed has nothing pending, however long ago legacy last wrote', async () => {
    const squadId = randomUUID().toUpperCase();
    await legacySideWriteSquad(dbs.legacyPool, squadId);
    await pollUntilQuiet();
    // An idle system: time passes, the poller keeps reading nothing.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const p = poller();
    await p.runOnce();
    await p.runOnce();

    const [checkpoint] = (await getSyncStatus(dbs.newPool)).checkpoints;
    expect(checkpoint?.lastChangeAt).not.toBeNull();
    expect(checkpoint?.lagSeconds).toBe(0);
  });

  it('never echoes a write the relay made back to the new database', async () => {
    const squadId = randomUUID();
    await newSideWriteSquad(dbs.newPool, squadId, 1, 'from new');
    await createOutboxRelay({
      pool: dbs.newPool,
      writer: createPostgresLegacyWriter(dbs.legacyPool),
      ownership: NEW_OWNS_ATHLETES,
      logger,
    }).runOnce();
    // Changed on the new side again before the poller runs: an echo would overwrite it with the old row.
    await dbs.newPool.query(`UPDATE squads SET name = 'newer on new', version = 2`);

    const result = await poller().runOnce();

    expect(result.changes).toBe(0);
    expect((await dbs.newPool.query(`SELECT name FROM squads`)).rows).toEqual([{ name: 'newer on new' }]);
  });

  it('propagates a legacy delete, and keeps a row legacy re-inserted afterwards', async () => {
    const squadId = randomUUID();
    await legacySideWriteSquad(dbs.legacyPool, squadId);
    const gone = athlete(squadId, 1);
    const back = athlete(squadId, 2);
    await legacySideWriteAthlete(dbs.legacyPool, gone);
    await legacySideWriteAthlete(dbs.legacyPool, back);
    await pollUntilQuiet();
    await dbs.legacyPool.query(`DELETE FROM dbo."Athletes"`);
    await legacySideWriteAthlete(dbs.legacyPool, { ...back, version: 2 });

    await pollUntilQuiet();

    const rows = await dbs.newPool.query(`SELECT id::text, version::text FROM athletes`);
    expect(rows.rows).toEqual([{ id: back.id, version: '2' }]);
  });

  it('records a legacy write that loses to the owning new side as a conflict, keeping the new row', async () => {
    const squadId = randomUUID();
    await legacySideWriteSquad(dbs.legacyPool, squadId);
    await pollUntilQuiet();
    const a = athlete(squadId, 3, 5);
    await newSideWriteAthlete(dbs.newPool, { ...a, firstName: 'New wins' });
    await legacySideWriteAthlete(dbs.legacyPool, { ...a, firstName: 'Legacy loses', version: 4 });

    expect(await pollUntilQuiet(NEW_OWNS_ATHLETES)).toEqual({ conflict: 1 });

    const conflicts = await dbs.newPool.query(
      `SELECT direction, owner, incoming_version::text AS iv, current_version::text AS cv,
              incoming_row ->> 'first_name' AS incoming, current_row ->> 'first_name' AS current FROM strangler.sync_conflicts`,
    );
    expect(conflicts.rows).toEqual([
      {
        direction: 'legacy_to_new',
        owner: 'new',
        iv: '4',
        cv: '5',
        incoming: 'Legacy loses',
        current: 'New wins',
      },
    ]);
    expect((await dbs.newPool.query(`SELECT first_name FROM athletes`)).rows).toEqual([
      { first_name: 'New wins' },
    ]);
  });

  it('records a legacy row the new schema refuses and goes on: one e-mail taken on both sides stalls nothing', async () => {
    const squadId = randomUUID();
    await legacySideWriteSquad(dbs.legacyPool, squadId);
    await pollUntilQuiet();
    // The same e-mail, created on both sides before either synced (case differs: the new side's unique
    // index is case-insensitive).
    const onNew = athlete(squadId, 1);
    await newSideWriteAthlete(dbs.newPool, onNew);
    const onLegacy = { ...athlete(squadId, 2), email: onNew.email.toUpperCase() };
    const later = athlete(squadId, 3);
    await legacySideWriteAthlete(dbs.legacyPool, onLegacy);
    await legacySideWriteAthlete(dbs.legacyPool, later);

    expect(await pollUntilQuiet()).toEqual({ applied: 1, rejected: 1 });

    const ids = await dbs.newPool.query<{ id: string }>(`SELECT id::text FROM athletes ORDER BY first_name`);
    expect(ids.rows.map((r) => r.id)).toEqual([onNew.id, later.id]);
    const conflicts = await dbs.newPool.query(
      `SELECT direction, kind, entity_key, error FROM strangler.sync_conflicts`,
    );
    expect(conflicts.rows).toEqual([
      {
        direction: 'legacy_to_new',
        kind: 'rejected',
        entity_key: onLegacy.id,
        error: expect.stringContaining('SQLSTATE 23505'),
      },
    ]);
    const audit = await dbs.newPool.query(`SELECT outcome FROM strangler.sync_audit WHERE entity_key = $1`, [
      onLegacy.id,
    ]);
    expect(audit.rows).toEqual([{ outcome: 'rejected' }]);
  });

  it('holds a legacy row whose e-mail the new side still has, and applies it once the new side lets the e-mail go', async () => {
    const squadId = randomUUID();
    await legacySideWriteSquad(dbs.legacyPool, squadId);
    await pollUntilQuiet();
    const onNew = athlete(squadId, 1);
    await newSideWriteAthlete(dbs.newPool, onNew);
    const onLegacy = { ...athlete(squadId, 2), email: onNew.email };
    await legacySideWriteAthlete(dbs.legacyPool, onLegacy);
    const p = poller();

    expect(await p.runOnce()).toMatchObject({ held: 1, outcomes: {} });
    await newSideWriteAthlete(dbs.newPool, { ...onNew, email: `moved-${onNew.email}`, version: 2 });
    expect(await p.runOnce()).toMatchObject({ held: 0, outcomes: { applied: 1 } });

    const emails = await dbs.newPool.query(`SELECT email FROM athletes WHERE id = $1`, [onLegacy.id]);
    expect(emails.rows).toEqual([{ email: onNew.email }]);
    expect((await dbs.newPool.query(`SELECT * FROM strangler.sync_conflicts`)).rows).toEqual([]);
  });

  it('retries a row read ahead of the parent it now points to, instead of recording it refused', async () => {
    const squadId = randomUUID();
    await legacySideWriteSquad(dbs.legacyPool, squadId);
    await pollUntilQuiet();
    const a = athlete(squadId, 1);
    await legacySideWriteAthlete(dbs.legacyPool, a);
    // Later transactions: a new squad, then the athlete moved into it. The first batch holds only the
    // athlete's first entry, but the row it reads already points at the squad the next batch brings.
    const later = randomUUID();
    await legacySideWriteSquad(dbs.legacyPool, later);
    await dbs.legacyPool.query(`UPDATE dbo."Athletes" SET "SquadId" = $1, "Version" = 2`, [later]);
    const oneAtATime = createChangePoller({
      pool: dbs.newPool,
      feed: createPostgresLegacyChangeFeed(dbs.legacyPool),
      reader: createPostgresLegacyReader(dbs.legacyPool),
      ownership: LEGACY_OWNS_ALL,
      logger,
      options: { batchSize: 1, holdRefused: { rounds: 5, ms: 0 } },
    });

    expect(await oneAtATime.runOnce()).toMatchObject({ held: 1 });
    await pollUntilCaughtUp(oneAtATime, dbs.newPool, dbs.legacyPool);

    const rows = await dbs.newPool.query(`SELECT squad_id::text, version::text FROM athletes`);
    expect(rows.rows).toEqual([{ squad_id: later, version: '2' }]);
    expect((await dbs.newPool.query(`SELECT * FROM strangler.sync_conflicts`)).rows).toEqual([]);
  });

  it('refuses a legacy row holding a NUL, as SQL Server returns it, records why, and applies the rest', async () => {
    const squadId = randomUUID();
    await legacySideWriteSquad(dbs.legacyPool, squadId);
    await pollUntilQuiet();
    const withNul = athlete(squadId, 1);
    const fine = athlete(squadId, 2);
    await legacySideWriteAthlete(dbs.legacyPool, withNul);
    await legacySideWriteAthlete(dbs.legacyPool, fine);
    // The stand-in's text columns cannot hold U+0000: the feed hands on the row as SQL Server's would.
    const standIn = createPostgresLegacyChangeFeed(dbs.legacyPool);
    const nulName = `Ann\u0000e`;
    const feed: LegacyChangeFeed = {
      feedName: standIn.feedName,
      async readChanges(position, limit) {
        const batch = await standIn.readChanges(position, limit);
        const rows = [...batch.rows].map(([key, row]) => {
          const values = Object.entries(row).map(([k, v]) => [k, v === withNul.firstName ? nulName : v]);
          return [key, Object.fromEntries(values) as typeof row] as const;
        });
        return { ...batch, rows: new Map(rows) };
      },
    };

    expect(await pollUntilQuiet(LEGACY_OWNS_ALL, feed)).toEqual({ applied: 1, rejected: 1 });

    const ids = await dbs.newPool.query<{ id: string }>(`SELECT id::text FROM athletes`);
    expect(ids.rows.map((r) => r.id)).toEqual([fine.id]);
    const conflicts = await dbs.newPool.query(
      `SELECT kind, entity_key, error, incoming_row->>'first_name' AS first_name FROM strangler.sync_conflicts`,
    );
    expect(conflicts.rows).toEqual([
      {
        kind: 'rejected',
        entity_key: withNul.id,
        error: expect.stringContaining('U+0000 (NUL) in first_name, which PostgreSQL text cannot store'),
        first_name: 'Ann\\u0000e',
      },
    ]);
    const audit = await dbs.newPool.query(`SELECT outcome FROM strangler.sync_audit WHERE entity_key = $1`, [
      withNul.id,
    ]);
    expect(audit.rows).toEqual([{ outcome: 'rejected' }]);
  });

  it('re-syncs every row when the feed fell out of retention, deleting what legacy deleted meanwhile', async () => {
    const squadId = randomUUID();
    await legacySideWriteSquad(dbs.legacyPool, squadId);
    const kept = athlete(squadId, 1);
    const deletedOnLegacy = athlete(squadId, 2);
    await legacySideWriteAthlete(dbs.legacyPool, kept);
    await legacySideWriteAthlete(dbs.legacyPool, deletedOnLegacy);
    await pollUntilQuiet();
    // While the feed is out of retention: legacy deletes one athlete and changes the other, and the new
    // side writes an athlete whose outbox event has not reached legacy yet (it must survive).
    await dbs.legacyPool.query(`DELETE FROM dbo."Athletes" WHERE "AthleteId" = $1`, [deletedOnLegacy.id]);
    await legacySideWriteAthlete(dbs.legacyPool, { ...kept, firstName: 'Changed', version: 2 });
    const onTheWay = athlete(squadId, 3);
    await newSideWriteAthlete(dbs.newPool, onTheWay);
    const standIn = createPostgresLegacyChangeFeed(dbs.legacyPool);
    let expired = true;
    const feed: LegacyChangeFeed = {
      feedName: standIn.feedName,
      async readChanges(position, limit) {
        const batch = await standIn.readChanges(position, limit);
        if (!expired) return batch;
        expired = false;
        return { ...batch, changes: [], rows: new Map(), entriesRead: 0, resyncRequired: true };
      },
    };
    const resyncing = createChangePoller({
      pool: dbs.newPool,
      feed,
      reader: createPostgresLegacyReader(dbs.legacyPool),
      ownership: LEGACY_OWNS_ALL,
      logger,
    });

    expect((await resyncing.runOnce()).resynced).toBe(true);

    const athletes = await dbs.newPool.query<{ id: string; first_name: string }>(
      `SELECT id::text, first_name FROM athletes ORDER BY first_name`,
    );
    expect(athletes.rows).toEqual([
      { id: kept.id, first_name: 'Changed' },
      { id: onTheWay.id, first_name: onTheWay.firstName },
    ]);
    const audit = await dbs.newPool.query(
      `SELECT outcome, actor FROM strangler.sync_audit WHERE entity_key = $1 ORDER BY at DESC LIMIT 1`,
      [deletedOnLegacy.id],
    );
    expect(audit.rows).toEqual([{ outcome: 'applied', actor: 'resync' }]);
  });

  it('does not skip a transaction that commits after a later-numbered change was already read', async () => {
    const squadId = randomUUID();
    await legacySideWriteSquad(dbs.legacyPool, squadId);
    await pollUntilQuiet();
    const slow = await dbs.legacyPool.connect();
    try {
      const early = athlete(squadId, 1);
      const late = athlete(squadId, 2);
      await slow.query('BEGIN');
      await legacySideWriteAthlete(slow, early); // takes the lower sequence number, commits last
      await legacySideWriteAthlete(dbs.legacyPool, late);
      await poller().runOnce();
      await slow.query('COMMIT');

      await pollUntilQuiet();

      const ids = (await dbs.newPool.query(`SELECT id::text FROM athletes ORDER BY id`)).rows.map(
        (r: { id: string }) => r.id,
      );
      expect(ids).toEqual([early.id, late.id].sort());
    } finally {
      slow.release();
    }
  });

  it('prunes change-log entries the committed checkpoint has passed, and only those', async () => {
    const squadId = randomUUID();
    await legacySideWriteSquad(dbs.legacyPool, squadId);
    await pollUntilQuiet();
    await legacySideWriteSquad(dbs.legacyPool, squadId, 2, 'after the checkpoint');
    const feed = createPostgresLegacyChangeFeed(dbs.legacyPool);
    const checkpoint = await dbs.newPool.query<{ position: unknown }>(
      `SELECT position FROM strangler.sync_checkpoints`,
    );

    await feed.prune?.(checkpoint.rows[0]?.position);

    const left = await dbs.legacyPool.query(`SELECT "Version"::text AS version FROM dbo."SyncChangeLog"`);
    expect(left.rows).toEqual([{ version: '2' }]);
    expect(await pollUntilQuiet()).toEqual({ applied: 1 });
  });
});
