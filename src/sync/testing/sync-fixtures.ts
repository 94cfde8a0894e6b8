import { randomUUID } from 'node:crypto';

import type pg from 'pg';

import { enqueueChangePg } from '../outbox.ts';
import { inTransaction } from '../pg-transaction.ts';

/**
 * Writes the way the two applications do: a new handler writes its row and the outbox row in one
 * transaction; the legacy API writes its tables and nothing else (the trigger records the change).
 */
export interface AthleteFields {
  readonly id: string;
  readonly squadId: string;
  readonly firstName: string;
  readonly email: string;
  readonly version: number;
}

/** The organisation every fixture squad belongs to; each side's first squad write creates it. */
export const FIXTURE_ORGANISATION = '6a1c2e3f-4b5d-4c6e-8f70-819203a4b5c6';

export async function newSideWriteSquad(
  pool: pg.Pool,
  squadId: string,
  version = 1,
  name = 'Squad',
): Promise<void> {
  await inTransaction(pool, async (client) => {
    const organisation = await client.query(
      `INSERT INTO organisations (id, name, created_at, version) VALUES ($1, 'Fixture Club', '2026-01-01T00:00:00Z', 1)
       ON CONFLICT (id) DO NOTHING RETURNING *`,
      [FIXTURE_ORGANISATION],
    );
    for (const created of organisation.rows as Record<string, unknown>[]) {
      await enqueueChangePg(client, { entity: 'organisations', operation: 'upsert', row: created });
    }
    const row = (
      await client.query(
        `INSERT INTO squads (id, organisation_id, name, sport, created_at, version)
         VALUES ($1, $4, $2, 'rugby', '2026-01-02T03:04:05.123456Z', $3)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, version = EXCLUDED.version RETURNING *`,
        [squadId, name, version, FIXTURE_ORGANISATION],
      )
    ).rows[0] as Record<string, unknown>;
    await enqueueChangePg(client, { entity: 'squads', operation: 'upsert', row });
  });
}

export async function newSideWriteAthlete(pool: pg.Pool, a: AthleteFields): Promise<void> {
  await inTransaction(pool, async (client) => {
    const row = (
      await client.query(
        `INSERT INTO athletes (id, squad_id, first_name, last_name, email, date_of_birth, position, is_active, created_at, updated_at, version)
         VALUES ($1, $2, $3, 'Doe', $4, '2001-02-03', NULL, true, '2026-01-02T03:04:05.123456Z', clock_timestamp(), $5)
         ON CONFLICT (id) DO UPDATE SET first_name = EXCLUDED.first_name, email = EXCLUDED.email,
           updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
         RETURNING *`,
        [a.id, a.squadId, a.firstName, a.email, a.version],
      )
    ).rows[0] as Record<string, unknown>;
    await enqueueChangePg(client, { entity: 'athletes', operation: 'upsert', row });
  });
}

export async function legacySideWriteSquad(
  pool: Pick<pg.Pool, 'query'>,
  squadId: string,
  version = 1,
  name = 'Squad',
): Promise<void> {
  await pool.query(
    `INSERT INTO dbo."Organisations" ("OrganisationId", "Name", "CreatedAt", "Version")
     VALUES ($1, 'Fixture Club', '2026-01-01 00:00:00', 1) ON CONFLICT ("OrganisationId") DO NOTHING`,
    [FIXTURE_ORGANISATION],
  );
  await pool.query(
    `INSERT INTO dbo."Squads" ("SquadId", "OrganisationId", "Name", "Sport", "CreatedAt", "Version")
     VALUES ($1, $4, $2, 'rugby', '2026-01-02 03:04:05.123456', $3)
     ON CONFLICT ("SquadId") DO UPDATE SET "Name" = EXCLUDED."Name", "Version" = EXCLUDED."Version"`,
    [squadId, name, version, FIXTURE_ORGANISATION],
  );
}

export async function legacySideWriteAthlete(pool: Pick<pg.Pool, 'query'>, a: AthleteFields): Promise<void> {
  await pool.query(
    `INSERT INTO dbo."Athletes" ("AthleteId", "SquadId", "FirstName", "LastName", "Email", "DateOfBirth", "Position",
       "IsActive", "CreatedAt", "UpdatedAt", "Version")
     VALUES ($1, $2, $3, 'Doe', $4, '2001-02-03', 'Wing', true, '2026-01-02 03:04:05.123456', now() AT TIME ZONE 'UTC', $5)
     ON CONFLICT ("AthleteId") DO UPDATE SET "FirstName" = EXCLUDED."FirstName", "Email" = EXCLUDED."Email",
       "UpdatedAt" = EXCLUDED."UpdatedAt", "Version" = EXCLUDED."Version"`,
    [a.id, a.squadId, a.firstName, a.email, a.version],
  );
}

export function athlete(squadId: string, n: number, version = 1): AthleteFields {
  return {
    id: randomUUID(),
    squadId,
    firstName: `First${n}`,
    email: `athlete${n}-${randomUUID()}@example.test`,
    version,
  };
}

export { inTransaction };

/**
 * The same `athletes` rows (in `squads` squads) on both sides, as a finished backfill leaves them. Keys are
 * md5-derived so both databases compute identical rows; legacy triggers are bypassed (replica role)
 * because these rows are not changes to sync.
 */
export async function seedMirrored(
  newPool: Pick<pg.Pool, 'query'>,
  legacyPool: pg.Pool,
  counts: { squads: number; athletes: number },
): Promise<void> {
  const squadId = `md5('squad' || s)::uuid`;
  const athleteId = `md5('athlete' || i)::uuid`;
  const athleteSquad = `md5('squad' || (i % ${counts.squads}))::uuid`;
  const stamp = `timestamp '2026-01-01 00:00:00' + make_interval(secs => i * 0.000001 + i)`;
  await newPool.query(
    `INSERT INTO organisations (id, name, created_at, version) VALUES ($1, 'Fixture Club', timestamptz '2026-01-01T00:00:00Z', 1)
     ON CONFLICT (id) DO NOTHING`,
    [FIXTURE_ORGANISATION],
  );
  await newPool.query(
    `INSERT INTO squads (id, organisation_id, name, sport, created_at, version)
     SELECT ${squadId}, $2, 'Squad ' || s, 'rugby', timestamptz '2026-01-01T00:00:00Z', 1 FROM generate_series(0, $1 - 1) s`,
    [counts.squads, FIXTURE_ORGANISATION],
  );
  await newPool.query(
    `INSERT INTO athletes (id, squad_id, first_name, last_name, email, date_of_birth, position, is_active, created_at, updated_at, version)
     SELECT ${athleteId}, ${athleteSquad}, 'First' || i, 'Last' || i, 'athlete' || i || '@example.test', date '2000-01-01' + (i % 3000),
            CASE WHEN i % 3 = 0 THEN NULL ELSE 'Wing' END, i % 7 <> 0, (${stamp}) AT TIME ZONE 'UTC', (${stamp}) AT TIME ZONE 'UTC', 1
     FROM generate_series(0, $1 - 1) i`,
    [counts.athletes],
  );
  await inTransaction(legacyPool, async (client) => {
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query(
      `INSERT INTO dbo."Organisations" ("OrganisationId", "Name", "CreatedAt", "Version")
       VALUES ($1, 'Fixture Club', timestamp '2026-01-01 00:00:00', 1) ON CONFLICT ("OrganisationId") DO NOTHING`,
      [FIXTURE_ORGANISATION],
    );
    await client.query(
      `INSERT INTO dbo."Squads" ("SquadId", "OrganisationId", "Name", "Sport", "CreatedAt", "Version")
       SELECT ${squadId}, $2, 'Squad ' || s, 'rugby', timestamp '2026-01-01 00:00:00', 1 FROM generate_series(0, $1 - 1) s`,
      [counts.squads, FIXTURE_ORGANISATION],
    );
    await client.query(
      `INSERT INTO dbo."Athletes" ("AthleteId", "SquadId", "FirstName", "LastName", "Email", "DateOfBirth", "Position",
         "IsActive", "CreatedAt", "UpdatedAt", "Version")
       SELECT ${athleteId}, ${athleteSquad}, 'First' || i, 'Last' || i, 'athlete' || i || '@example.test', date '2000-01-01' + (i % 3000),
              CASE WHEN i % 3 = 0 THEN NULL ELSE 'Wing' END, i % 7 <> 0, ${stamp}, ${stamp}, 1
       FROM generate_series(0, $1 - 1) i`,
      [counts.athletes],
    );
  });
}

/**
 * True once the poller's checkpoint has passed every entry in the legacy change log and holds none back;
 * with `key`, every entry of that one entity key.
 */
export async function changeFeedCaughtUp(
  newPool: Pick<pg.Pool, 'query'>,
  legacyPool: Pick<pg.Pool, 'query'>,
  key?: string,
): Promise<boolean> {
  const cp = await newPool.query<{ position: { commitSeq: string; seq: string } | null }>(
    `SELECT position FROM strangler.sync_checkpoints WHERE feed = 'legacy_to_new'`,
  );
  const at = cp.rows[0]?.position ?? { commitSeq: '0', seq: '0' };
  const behind = await legacyPool.query<{ n: string }>(
    `SELECT count(*) AS n FROM dbo."SyncChangeLog" l JOIN dbo."SyncTransactions" t ON t."TxId" = l."TxId"
     WHERE (t."CommitSeq", l."Seq") > ($1::bigint, $2::bigint) AND ($3::text IS NULL OR l."EntityKey" = $3)`,
    [at.commitSeq, at.seq, key ?? null],
  );
  const held = await newPool.query<{ n: string }>(
    `SELECT count(*) AS n FROM strangler.sync_held_changes WHERE $1::text IS NULL OR entity_key = $1`,
    [key ?? null],
  );
  return Number(behind.rows[0]?.n) === 0 && Number(held.rows[0]?.n) === 0;
}

/** Runs the poller until it has caught up. */
export async function pollUntilCaughtUp(
  poller: { runOnce(): Promise<unknown> },
  newPool: Pick<pg.Pool, 'query'>,
  legacyPool: Pick<pg.Pool, 'query'>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await poller.runOnce();
    if (await changeFeedCaughtUp(newPool, legacyPool)) return;
    if (Date.now() > deadline) throw new Error('the change poller did not catch up');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
