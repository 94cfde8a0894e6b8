import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { Registry } from 'prom-client';

import { createPostgresLegacyWriter } from '../../adapters/postgres/sync-legacy-writer.ts';
import { createSilentLogger } from '../observability/logger.ts';
import { replayDeadLetter } from './dead-letters.ts';
import { outboxRowAsChange } from './outbox-claim.ts';
import { createOutboxRelay } from './outbox-relay.ts';
import { purgeSyncHistory } from './sync-retention.ts';
import { LEGACY_OWNS_ALL } from './sync-entities.ts';
import type { SyncOwnership } from './sync-entities.ts';
import { createSyncMetrics } from './sync-metrics.ts';
import { getSyncStatus } from './sync-status.ts';
import {
  athlete,
  legacySideWriteAthlete,
  legacySideWriteSquad,
  newSideWriteAthlete,
  FIXTURE_ORGANISATION,
  newSideWriteSquad,
} from './testing/sync-fixtures.ts';
import { createSyncTestDatabases } from './testing/sync-test-databases.ts';
import type { SyncTestDatabases } from './testing/sync-test-databases.ts';

const NEW_OWNS_ATHLETES: SyncOwnership = { ...LEGACY_OWNS_ALL, squads: 'new', athletes: 'new' };

describe('outbox relay (PostgreSQL → legacy stand-in)', () => {
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

  const relay = (ownership: SyncOwnership = NEW_OWNS_ATHLETES, options = {}) =>
    createOutboxRelay({
      pool: dbs.newPool,
      writer: createPostgresLegacyWriter(dbs.legacyPool),
      ownership,
      logger,
      options: { backoff: { baseMs: 1, maxMs: 2 }, ...options },
    });

  it('applies a new-side write to legacy with the legacy value formats, tagged as sync, and marks it done', async () => {
    const squadId = randomUUID();
    await newSideWriteSquad(dbs.newPool, squadId);
    const a = athlete(squadId, 1);
    await newSideWriteAthlete(dbs.newPool, a);

    const result = await relay().runOnce();

    // The squad's organisation, the squad and the athlete.
    expect(result).toMatchObject({ claimed: 3, outcomes: { applied: 3 }, failed: 0 });
    const legacy = await dbs.legacyPool.query(
      `SELECT "AthleteId"::text AS id, "FirstName", "Email", to_char("CreatedAt", 'YYYY-MM-DD HH24:MI:SS.US') AS created,
              "IsActive", "Position", "Version"::text AS version FROM dbo."Athletes"`,
    );
    expect(legacy.rows).toEqual([
      {
        id: a.id,
        FirstName: 'First1',
        Email: a.email,
        created: '2026-01-02 03:04:05.123456',
        IsActive: true,
        Position: null,
        version: '1',
      },
    ]);
    const log = await dbs.legacyPool.query(
      `SELECT "TableName", "Origin" FROM dbo."SyncChangeLog" ORDER BY "Seq"`,
    );
    expect(log.rows).toEqual([
      { TableName: 'Organisations', Origin: 'sync' },
      { TableName: 'Squads', Origin: 'sync' },
      { TableName: 'Athletes', Origin: 'sync' },
    ]);
    const outbox = await dbs.newPool.query(`SELECT status, outcome FROM strangler.sync_outbox`);
    expect(outbox.rows).toEqual([
      { status: 'done', outcome: 'applied' },
      { status: 'done', outcome: 'applied' },
      { status: 'done', outcome: 'applied' },
    ]);
    const audit = await dbs.newPool.query(
      `SELECT count(*)::int AS n FROM strangler.sync_audit WHERE outcome = 'applied'`,
    );
    expect(audit.rows[0]).toEqual({ n: 3 });
  });

  it('treats the same event delivered twice as a no-op, and the applied table holds it once', async () => {
    const squadId = randomUUID();
    await newSideWriteSquad(dbs.newPool, squadId, 1, 'Original');
    await relay().runOnce();
    // Someone changes the legacy row; re-delivering the old event must not touch it.
    await dbs.legacyPool.query(`UPDATE dbo."Squads" SET "Name" = 'Changed on legacy', "Version" = 2`);
    await dbs.newPool.query(`UPDATE strangler.sync_outbox SET status = 'pending', done_at = NULL`);

    const again = await relay().runOnce();

    expect(again.outcomes).toEqual({ duplicate: 1 });
    const name = await dbs.legacyPool.query(`SELECT "Name" FROM dbo."Squads"`);
    expect(name.rows).toEqual([{ Name: 'Changed on legacy' }]);
    const applied = await dbs.legacyPool.query(`SELECT count(*)::int AS n FROM dbo."SyncAppliedEvents"`);
    expect(applied.rows[0]).toEqual({ n: 1 });
  });

  it('keeps order per key: a later event waits while an earlier one for the same key is pending', async () => {
    const squadId = randomUUID();
    await newSideWriteSquad(dbs.newPool, squadId, 1, 'v1');
    await newSideWriteSquad(dbs.newPool, squadId, 2, 'v2');
    const other = randomUUID();
    await newSideWriteSquad(dbs.newPool, other, 1, 'other');

    const first = await relay().runOnce();
    expect(first.claimed).toBe(2); // v1 and the other key; v2 waits for v1
    expect(
      (await dbs.legacyPool.query(`SELECT "Name" FROM dbo."Squads" WHERE "SquadId" = $1`, [squadId])).rows,
    ).toEqual([{ Name: 'v1' }]);
    const second = await relay().runOnce();
    expect(second.claimed).toBe(1);
    expect(
      (await dbs.legacyPool.query(`SELECT "Name" FROM dbo."Squads" WHERE "SquadId" = $1`, [squadId])).rows,
    ).toEqual([{ Name: 'v2' }]);
  });

  it('records a conflict with both rows when the non-owning side loses the version check', async () => {
    const squadId = randomUUID();
    await legacySideWriteSquad(dbs.legacyPool, squadId, 1);
    await newSideWriteSquad(dbs.newPool, squadId, 1);
    await relay(NEW_OWNS_ATHLETES).runOnce(); // squads owned by new: applied (owner wins the tie)
    const a = athlete(squadId, 7, 3);
    await legacySideWriteAthlete(dbs.legacyPool, { ...a, firstName: 'Legacy edit' });
    await newSideWriteAthlete(dbs.newPool, { ...a, firstName: 'New edit', version: 3 });
    const metrics = createSyncMetrics(new Registry());

    const result = await createOutboxRelay({
      pool: dbs.newPool,
      writer: createPostgresLegacyWriter(dbs.legacyPool),
      ownership: LEGACY_OWNS_ALL,
      logger,
      metrics,
    }).runOnce();

    expect(result.outcomes).toEqual({ conflict: 1 });
    const conflicts = await dbs.newPool.query(
      `SELECT entity, entity_key, owner, incoming_version::text AS iv, incoming_row ->> 'first_name' AS incoming,
              current_version::text AS cv, current_row ->> 'first_name' AS current FROM strangler.sync_conflicts`,
    );
    expect(conflicts.rows).toEqual([
      {
        entity: 'athletes',
        entity_key: a.id,
        owner: 'legacy',
        iv: '3',
        incoming: 'New edit',
        cv: '3',
        current: 'Legacy edit',
      },
    ]);
    expect((await dbs.legacyPool.query(`SELECT "FirstName" FROM dbo."Athletes"`)).rows).toEqual([
      { FirstName: 'Legacy edit' },
    ]);
    expect((await metrics.conflicts.get()).values[0]?.value).toBe(1);
    expect((await getSyncStatus(dbs.newPool)).conflicts).toMatchObject({ open: 1, total: 1 });
  });

  it('still records the conflict when legacy committed the event but the relay died before recording it', async () => {
    const squadId = randomUUID();
    await legacySideWriteSquad(dbs.legacyPool, squadId, 1);
    await newSideWriteSquad(dbs.newPool, squadId, 1);
    await relay(NEW_OWNS_ATHLETES).runOnce();
    const a = athlete(squadId, 8, 3);
    await legacySideWriteAthlete(dbs.legacyPool, { ...a, firstName: 'Legacy edit' });
    await newSideWriteAthlete(dbs.newPool, { ...a, firstName: 'New edit', version: 3 });
    // The first relay applied the event to legacy (committed there) and was killed before its own commit.
    const pending = await dbs.newPool.query<{
      event_id: string;
      entity: 'athletes';
      entity_key: string;
      operation: 'upsert';
      version: string;
      payload: Record<string, string | null>;
    }>(
      `SELECT event_id::text, entity, entity_key, operation, version::text, payload FROM strangler.sync_outbox WHERE status = 'pending'`,
    );
    const writer = createPostgresLegacyWriter(dbs.legacyPool);
    const first = await writer.applyBatch(pending.rows.map(outboxRowAsChange), LEGACY_OWNS_ALL);
    expect(first.map((r) => r.outcome)).toEqual(['conflict']);

    const result = await relay(LEGACY_OWNS_ALL).runOnce();

    expect(result.outcomes).toEqual({ conflict: 1 });
    const conflicts = await dbs.newPool.query(
      `SELECT entity_key, incoming_row ->> 'first_name' AS incoming, current_row ->> 'first_name' AS current
       FROM strangler.sync_conflicts`,
    );
    expect(conflicts.rows).toEqual([{ entity_key: a.id, incoming: 'New edit', current: 'Legacy edit' }]);
    const applied = await dbs.legacyPool.query(
      `SELECT count(*)::int AS n FROM dbo."SyncAppliedEvents" WHERE "EntityKey" = $1`,
      [a.id],
    );
    expect(applied.rows[0]).toEqual({ n: 1 });
  });

  it('lets the owning side win a version tie, so both databases end with the owner row', async () => {
    const squadId = randomUUID();
    await legacySideWriteSquad(dbs.legacyPool, squadId, 4, 'legacy name');
    await newSideWriteSquad(dbs.newPool, squadId, 4, 'new name');

    const result = await relay(NEW_OWNS_ATHLETES).runOnce();

    expect(result.outcomes).toEqual({ applied: 1 });
    expect((await dbs.legacyPool.query(`SELECT "Name" FROM dbo."Squads"`)).rows).toEqual([
      { Name: 'new name' },
    ]);
  });

  it('retries a failing event with backoff, dead-letters it after the last attempt, and replays it on request', async () => {
    // The athlete's squad is missing on legacy: the foreign key fails every attempt.
    const squadId = randomUUID();
    await dbs.newPool.query(
      `INSERT INTO squads (id, organisation_id, name, sport, version) VALUES ($1, $2, 'S', 'rugby', 1)`,
      [squadId, FIXTURE_ORGANISATION],
    );
    const a = athlete(squadId, 2);
    await newSideWriteAthlete(dbs.newPool, a);
    const healthy = randomUUID();
    await newSideWriteSquad(dbs.newPool, healthy);
    const r = relay(NEW_OWNS_ATHLETES, { maxAttempts: 3, backoff: { baseMs: 60_000, maxMs: 120_000 } });

    const first = await r.runOnce();
    expect(first).toMatchObject({ claimed: 2, failed: 1, outcomes: { applied: 1 } });
    const retry = await dbs.newPool.query(
      `SELECT attempts, last_error, next_attempt_at > now() AS later FROM strangler.sync_outbox WHERE status = 'pending'`,
    );
    expect(retry.rows).toEqual([
      { attempts: 1, last_error: expect.stringContaining('foreign key'), later: true },
    ]);

    for (let i = 0; i < 2; i += 1) {
      expect((await r.runOnce()).claimed).toBe(0); // still backing off
      await dbs.newPool.query(
        `UPDATE strangler.sync_outbox SET next_attempt_at = now() WHERE status = 'pending'`,
      );
      expect((await r.runOnce()).failed).toBe(1);
    }
    const dead = await dbs.newPool.query(
      `SELECT event_id::text AS id, entity_key, attempts, last_error FROM strangler.sync_dead_letters`,
    );
    expect(dead.rows).toEqual([
      {
        id: expect.any(String),
        entity_key: a.id,
        attempts: 3,
        last_error: expect.stringContaining('foreign key'),
      },
    ]);
    expect(
      (
        await dbs.newPool.query(
          `SELECT count(*)::int AS n FROM strangler.sync_outbox WHERE status = 'pending'`,
        )
      ).rows[0],
    ).toEqual({ n: 0 });
    expect((await getSyncStatus(dbs.newPool)).deadLetters.count).toBe(1);

    // The operator fixes the cause and replays.
    await legacySideWriteSquad(dbs.legacyPool, squadId);
    expect(await replayDeadLetter(dbs.newPool, (dead.rows[0] as { id: string }).id, 'operator@test')).toBe(
      true,
    );
    const replayed = await r.runOnce();
    expect(replayed.outcomes).toEqual({ applied: 1 });
    expect((await dbs.legacyPool.query(`SELECT "AthleteId"::text AS id FROM dbo."Athletes"`)).rows).toEqual([
      { id: a.id },
    ]);
    expect((await getSyncStatus(dbs.newPool)).deadLetters.count).toBe(0);
  });

  it('does not count attempts or dead-letter events while legacy is unreachable', async () => {
    await newSideWriteSquad(dbs.newPool, randomUUID());
    const unreachable = new pg.Pool({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      connectionTimeoutMillis: 500,
    });
    unreachable.on('error', () => undefined);
    const r = createOutboxRelay({
      pool: dbs.newPool,
      writer: createPostgresLegacyWriter(unreachable),
      ownership: NEW_OWNS_ATHLETES,
      logger,
      options: { maxAttempts: 1 },
    });
    try {
      const result = await r.runOnce();
      expect(result).toMatchObject({ legacyUnavailable: true, failed: 0, deadLettered: 0 });
      const outbox = await dbs.newPool.query(`SELECT status, attempts FROM strangler.sync_outbox`);
      expect(outbox.rows).toEqual([{ status: 'pending', attempts: 0 }]);
    } finally {
      await unreachable.end();
    }
  });

  it('purges done events and audit rows past retention, never pending events', async () => {
    await newSideWriteSquad(dbs.newPool, randomUUID());
    await relay().runOnce();
    await newSideWriteSquad(dbs.newPool, randomUUID());
    await dbs.newPool.query(
      `UPDATE strangler.sync_outbox SET created_at = now() - interval '40 days', done_at = CASE WHEN status = 'done' THEN now() - interval '40 days' END`,
    );
    await dbs.newPool.query(`UPDATE strangler.sync_audit SET at = now() - interval '40 days'`);

    await purgeSyncHistory(dbs.newPool, 30 * 24 * 3600_000);

    expect((await dbs.newPool.query(`SELECT status FROM strangler.sync_outbox`)).rows).toEqual([
      { status: 'pending' },
    ]);
    expect((await dbs.newPool.query(`SELECT count(*)::int AS n FROM strangler.sync_audit`)).rows[0]).toEqual({
      n: 0,
    });
  });

  it('deletes applied-event records on legacy past retention, in batches, and keeps recent ones', async () => {
    for (let i = 0; i < 5; i++) await newSideWriteSquad(dbs.newPool, randomUUID());
    await relay().runOnce();
    await dbs.legacyPool.query(
      `UPDATE dbo."SyncAppliedEvents" SET "AppliedAt" = (now() AT TIME ZONE 'UTC') - interval '40 days'
       WHERE "EventId" IN (SELECT "EventId" FROM dbo."SyncAppliedEvents" LIMIT 3)`,
    );
    const writer = createPostgresLegacyWriter(dbs.legacyPool);

    expect(await writer.pruneApplied(new Date(Date.now() - 30 * 24 * 3600_000), 2)).toBe(3);

    const left = await dbs.legacyPool.query(`SELECT count(*)::int AS n FROM dbo."SyncAppliedEvents"`);
    expect(left.rows[0]).toEqual({ n: 2 });
  });
});
