import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';

import { createTestDatabase } from '../src/testing/test-database.ts';
import type { TestDatabase } from '../src/testing/test-database.ts';
import { openLegacyDatabase, openNewDatabase } from './database.ts';
import {
  createLegacyMigrator,
  createNewMigrator,
  migrateLegacyDown,
  migrateLegacyToLatest,
  migrateNewDown,
  migrateNewToLatest,
  migrationStatus,
} from './migrations.ts';
import type { LegacyDatabase, NewDatabase } from './schema.ts';

async function tablesIn(db: Kysely<NewDatabase> | Kysely<LegacyDatabase>, schema: string): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = ${schema} ORDER BY table_name`.execute(
    db,
  );
  return rows.map((r) => r.table_name);
}

const NOW = '2026-11-01T07:30:00.123456Z';
const SQUAD = '0b5c3f0e-2f7a-4c1e-9a57-3d1f0c6b8e21';
const ORGANISATION = '5d0f1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b';
const ATHLETE = '6f2d9b8a-1c4e-4f7a-8b3d-2e5a7c9d0f13';

describe('new schema migrations (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: Kysely<NewDatabase>;

  beforeAll(async () => {
    database = await createTestDatabase('strangler_migrate_new');
    db = openNewDatabase(database.url, { poolMax: 2 });
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  it('migrates up, down to nothing, and up again without leftovers', async () => {
    const first = await migrateNewToLatest(db);
    expect(first.map((r) => [r.migrationName, r.direction, r.status])).toEqual([
      ['0001-entities', 'Up', 'Success'],
      ['0002-tenant-isolation', 'Up', 'Success'],
      ['0003-email-collation', 'Up', 'Success'],
    ]);
    expect(await tablesIn(db, 'public')).toEqual(
      expect.arrayContaining(['athletes', 'organisations', 'squads', 'wellness_entries']),
    );
    expect(await migrateNewToLatest(db)).toEqual([]);

    const down = await migrateNewDown(db);
    expect(down.map((r) => [r.migrationName, r.direction, r.status])).toEqual([
      ['0003-email-collation', 'Down', 'Success'],
      ['0002-tenant-isolation', 'Down', 'Success'],
      ['0001-entities', 'Down', 'Success'],
    ]);
    expect(await tablesIn(db, 'public')).not.toEqual(expect.arrayContaining(['squads']));
    expect((await migrationStatus(createNewMigrator(db))).map((m) => m.executedAt)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);

    await migrateNewToLatest(db);
    const status = await migrationStatus(createNewMigrator(db));
    expect(status.map((m) => m.name)).toEqual([
      '0001-entities',
      '0002-tenant-isolation',
      '0003-email-collation',
    ]);
    expect(status[0]?.executedAt).toBeInstanceOf(Date);
  });

  it('enforces the constraints the legacy schema has: case-insensitive e-mail, one entry per day, 1..5 answers', async () => {
    await migrateNewToLatest(db);
    await db
      .insertInto('organisations')
      .values({ id: ORGANISATION, name: 'Harbour FC', created_at: NOW, version: 1 })
      .execute();
    await db
      .insertInto('squads')
      .values({
        id: SQUAD,
        organisation_id: ORGANISATION,
        name: 'First Team',
        sport: 'Football',
        created_at: NOW,
        version: 1,
      })
      .execute();
    const athlete = {
      squad_id: SQUAD,
      first_name: 'Ada',
      last_name: 'Byrne',
      date_of_birth: '2001-02-03',
      position: null,
      is_active: true,
      created_at: NOW,
      updated_at: NOW,
      version: 1,
    };
    await db
      .insertInto('athletes')
      .values({ ...athlete, id: ATHLETE, email: 'ada.byrne@example.com' })
      .execute();
    await expect(
      db
        .insertInto('athletes')
        .values({ ...athlete, id: crypto.randomUUID(), email: 'ADA.Byrne@Example.com' })
        .execute(),
    ).rejects.toThrow(/athletes_email_collation_key/);
    // Azure SQL's collation ignores trailing spaces (ANSI padding) but not accents.
    await expect(
      db
        .insertInto('athletes')
        .values({ ...athlete, id: crypto.randomUUID(), email: 'ada.byrne@example.com  ' })
        .execute(),
    ).rejects.toThrow(/athletes_email_collation_key/);
    await db
      .insertInto('athletes')
      .values({ ...athlete, id: crypto.randomUUID(), email: 'ada.býrne@example.com' })
      .execute();

    const entry = {
      athlete_id: ATHLETE,
      entry_date: '2026-11-01',
      sleep: 4,
      soreness: 2,
      fatigue: 3,
      stress: 2,
      mood: 5,
      score: '4.1',
      notes: null,
      created_at: NOW,
      version: 1,
    };
    await db
      .insertInto('wellness_entries')
      .values({ ...entry, id: crypto.randomUUID() })
      .execute();
    await expect(
      db
        .insertInto('wellness_entries')
        .values({ ...entry, id: crypto.randomUUID() })
        .execute(),
    ).rejects.toThrow(/wellness_entries_athlete_id_entry_date_key/);
    await expect(
      db
        .insertInto('wellness_entries')
        .values({ ...entry, id: crypto.randomUUID(), entry_date: '2026-11-02', sleep: 6 })
        .execute(),
    ).rejects.toThrow(/wellness_entries_sleep_range/);

    // Values cross the boundary as text (adapters/schema.ts): no float, no local-time Date for a date.
    const row = await db.selectFrom('wellness_entries').selectAll().executeTakeFirstOrThrow();
    expect(row.score).toBe('4.1');
    expect(row.entry_date).toBe('2026-11-01');
    expect(row.version).toBe('1');
    expect(row.created_at).toBeInstanceOf(Date);
  });
});

describe('legacy schema migrations (PostgreSQL stand-in, schema dbo)', () => {
  let database: TestDatabase;
  let db: Kysely<LegacyDatabase>;

  beforeAll(async () => {
    database = await createTestDatabase('strangler_migrate_legacy');
    db = openLegacyDatabase(database.url, { poolMax: 2 });
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  it('migrates up, down and up again, creating the PascalCase dbo tables', async () => {
    await migrateLegacyToLatest(db);
    expect(await tablesIn(db, 'dbo')).toEqual(['Athletes', 'Organisations', 'Squads', 'WellnessEntries']);
    await migrateLegacyDown(db);
    expect(await tablesIn(db, 'dbo')).toEqual([]);
    const again = await migrateLegacyToLatest(db);
    expect(again.map((r) => r.status)).toEqual(['Success', 'Success']);
    expect((await migrationStatus(createLegacyMigrator(db))).map((m) => m.name)).toEqual([
      '0001-entities',
      '0003-email-collation',
    ]);
  });

  it('reads datetime2 stand-in columns as text and compares e-mails case-insensitively like the CI collation', async () => {
    await migrateLegacyToLatest(db);
    await db
      .insertInto('dbo.Organisations')
      .values({
        OrganisationId: ORGANISATION,
        Name: 'Harbour FC',
        CreatedAt: '2026-01-02 03:04:05',
        Version: 1,
      })
      .execute();
    await db
      .insertInto('dbo.Squads')
      .values({
        SquadId: SQUAD,
        OrganisationId: ORGANISATION,
        Name: 'U23',
        Sport: 'Football',
        CreatedAt: '2026-01-02 03:04:05.1234567',
        Version: 1,
      })
      .execute();
    const squad = await db.selectFrom('dbo.Squads').selectAll().executeTakeFirstOrThrow();
    // timestamp(6) keeps microseconds: the 100 ns digit is rounded away by PostgreSQL, and the value is
    // read back in datetime2(7)'s 7-digit form.
    expect(squad.CreatedAt).toBe('2026-01-02 03:04:05.1234570');
    expect(squad.Version).toBe('1');

    const athlete = {
      SquadId: SQUAD,
      FirstName: 'Ada',
      LastName: 'Byrne',
      DateOfBirth: '2001-02-03',
      Position: 'Winger',
      IsActive: true,
      CreatedAt: '2026-01-02 03:04:05.0000000',
      UpdatedAt: '2026-01-02 03:04:05.0000000',
      Version: 1,
    };
    await db
      .insertInto('dbo.Athletes')
      .values({ ...athlete, AthleteId: ATHLETE, Email: 'a@example.com' })
      .execute();
    await expect(
      db
        .insertInto('dbo.Athletes')
        .values({ ...athlete, AthleteId: crypto.randomUUID(), Email: 'A@EXAMPLE.COM' })
        .execute(),
    ).rejects.toThrow(/UX_Athletes_Email/);
    await expect(
      db
        .insertInto('dbo.Athletes')
        .values({ ...athlete, AthleteId: crypto.randomUUID(), Email: 'a@example.com ' })
        .execute(),
    ).rejects.toThrow(/UX_Athletes_Email/);
    const stored = await db
      .selectFrom('dbo.Athletes')
      .select(['DateOfBirth', 'IsActive'])
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ DateOfBirth: '2001-02-03', IsActive: true });
  });
});
