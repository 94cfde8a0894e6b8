import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';

import { createTestDatabase } from '../../src/testing/test-database.ts';
import type { TestDatabase } from '../../src/testing/test-database.ts';
import { openLegacyDatabase, openNewDatabase } from '../database.ts';
import { migrateLegacyToLatest, migrateNewToLatest } from '../migrations.ts';
import type { LegacyDatabase, NewDatabase } from '../schema.ts';
import { athleteToLegacy, athleteToNew } from './athlete.ts';
import type { LegacyAthlete } from './athlete.ts';
import { organisationToLegacy, organisationToNew } from './organisation.ts';
import type { LegacyOrganisation } from './organisation.ts';
import { squadToLegacy, squadToNew } from './squad.ts';
import type { LegacySquad } from './squad.ts';
import { normaliseDatetime2 } from './values.ts';
import { computeWellnessScore } from './wellness-score.ts';
import { wellnessEntryToLegacy, wellnessEntryToNew } from './wellness-entry.ts';
import type { LegacyWellnessEntry } from './wellness-entry.ts';
import { createSeededRandom } from '../../scripts/demo/seeded-random.ts';

/*
 * Legacy rows as SQL Server would return them (upper-case GUIDs, 7-digit datetime2) are written to the
 * PostgreSQL stand-in and, through the mappings, to the new schema; both are read back and mapped across
 * again. What must hold: nothing but the documented 100 ns digit and the GUID letter case changes.
 */

const random = createSeededRandom(42).next;
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const guid = (): string => {
  const hex = Array.from({ length: 32 }, () => '0123456789ABCDEF'[int(0, 15)]).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-A${hex.slice(17, 20)}-${hex.slice(20)}`;
};
const datetime2 = (): string =>
  `20${pad(int(10, 30))}-${pad(int(1, 12))}-${pad(int(1, 28))} ${pad(int(0, 23))}:${pad(int(0, 59))}:${pad(int(0, 59))}.${pad(int(0, 9_999_999), 7)}`;
const date = (): string => `${int(1980, 2010)}-${pad(int(1, 12))}-${pad(int(1, 28))}`;

function legacyOrganisation(): LegacyOrganisation {
  return {
    OrganisationId: guid(),
    Name: pick(['Harbour FC', 'Åsane IL', "St. Mary's"]),
    CreatedAt: datetime2(),
    Version: String(int(1, 9)),
  };
}
const organisations = Array.from({ length: 3 }, legacyOrganisation);

function legacySquad(): LegacySquad {
  return {
    SquadId: guid(),
    OrganisationId: pick(organisations).OrganisationId,
    Name: pick(['First Team', 'U23', "Women's First Team"]),
    Sport: 'Football',
    CreatedAt: datetime2(),
    Version: String(int(1, 9)),
  };
}
function legacyAthlete(squadId: string, n: number): LegacyAthlete {
  return {
    AthleteId: guid(),
    SquadId: squadId,
    FirstName: pick(['Zoë', 'Seán', 'Ada', 'Łukasz']),
    LastName: pick(["O'Brien", 'Müller', 'Nakamura']),
    Email: `Athlete.${n}@Example.COM`,
    DateOfBirth: date(),
    Position: pick([null, '', 'Goalkeeper', 'Centre Back']),
    IsActive: random() < 0.8,
    CreatedAt: datetime2(),
    UpdatedAt: datetime2(),
    Version: String(int(1, 2 ** 31)),
  };
}
function legacyEntry(athleteId: string, day: number): LegacyWellnessEntry {
  const answers = {
    sleep: int(1, 5),
    soreness: int(1, 5),
    fatigue: int(1, 5),
    stress: int(1, 5),
    mood: int(1, 5),
  };
  return {
    WellnessEntryId: guid(),
    AthleteId: athleteId,
    EntryDate: `2026-10-${pad(day)}`,
    Sleep: answers.sleep,
    Soreness: answers.soreness,
    Fatigue: answers.fatigue,
    Stress: answers.stress,
    Mood: answers.mood,
    Score: computeWellnessScore(answers),
    Notes: pick([null, '', 'Slept badly — travel', 'ok']),
    CreatedAt: datetime2(),
    Version: '1',
  };
}

/** What a legacy row must look like after new → legacy: GUIDs upper-case, datetimes at microseconds. */
function expectedLegacy<T extends Record<string, unknown>>(row: T, datetimeKeys: readonly (keyof T)[]): T {
  const copy: Record<string, unknown> = { ...row };
  for (const key of datetimeKeys) copy[key as string] = normaliseDatetime2(row[key] as string);
  for (const [key, value] of Object.entries(copy)) {
    if (typeof value === 'string' && /^[0-9a-f-]{36}$/i.test(value)) copy[key] = value.toUpperCase();
  }
  return copy as T;
}

describe('entity mappings legacy ↔ new through both real schemas', () => {
  let legacyDatabase: TestDatabase;
  let newDatabase: TestDatabase;
  let legacyDb: Kysely<LegacyDatabase>;
  let newDb: Kysely<NewDatabase>;

  const squads = Array.from({ length: 5 }, legacySquad);
  const athletes = Array.from({ length: 60 }, (_, n) => legacyAthlete(pick(squads).SquadId, n));
  const entries = athletes.flatMap((a) =>
    Array.from({ length: 5 }, (_, d) => legacyEntry(a.AthleteId, d + 1)),
  );

  beforeAll(async () => {
    [legacyDatabase, newDatabase] = await Promise.all([
      createTestDatabase('strangler_map_legacy'),
      createTestDatabase('strangler_map_new'),
    ]);
    legacyDb = openLegacyDatabase(legacyDatabase.url, { poolMax: 2 });
    newDb = openNewDatabase(newDatabase.url, { poolMax: 2 });
    await Promise.all([migrateLegacyToLatest(legacyDb), migrateNewToLatest(newDb)]);
    await legacyDb.insertInto('dbo.Organisations').values(organisations).execute();
    await legacyDb.insertInto('dbo.Squads').values(squads).execute();
    await legacyDb.insertInto('dbo.Athletes').values(athletes).execute();
    await legacyDb.insertInto('dbo.WellnessEntries').values(entries).execute();
    await newDb.insertInto('organisations').values(organisations.map(organisationToNew)).execute();
    await newDb.insertInto('squads').values(squads.map(squadToNew)).execute();
    await newDb.insertInto('athletes').values(athletes.map(athleteToNew)).execute();
    await newDb.insertInto('wellness_entries').values(entries.map(wellnessEntryToNew)).execute();
  });

  afterAll(async () => {
    await Promise.all([legacyDb.destroy(), newDb.destroy()]);
    await Promise.all([legacyDatabase.drop(), newDatabase.drop()]);
  });

  // Timestamps read as text keep PostgreSQL's microseconds (a Date would cut them to milliseconds).
  const exactTimestamps = {
    created_at: sql<string>`created_at::text`.as('created_at'),
  };

  it('organisations: the stand-in row and the new row map onto each other', async () => {
    const legacyRows = await legacyDb
      .selectFrom('dbo.Organisations')
      .selectAll()
      .orderBy('OrganisationId')
      .execute();
    const newRows = await newDb
      .selectFrom('organisations')
      .select(['id', 'name', 'version', exactTimestamps.created_at])
      .orderBy('id')
      .execute();
    expect(legacyRows.map(organisationToNew)).toEqual(
      newRows.map((r) => ({ ...r, created_at: organisationToNew(organisationToLegacy(r)).created_at })),
    );
    expect(newRows.map(organisationToLegacy)).toEqual(
      legacyRows.map((r) => expectedLegacy(r, ['CreatedAt'])),
    );
  });

  it('squads: the stand-in row and the new row map onto each other', async () => {
    const legacyRows = await legacyDb.selectFrom('dbo.Squads').selectAll().orderBy('SquadId').execute();
    const newRows = await newDb
      .selectFrom('squads')
      .select(['id', 'organisation_id', 'name', 'sport', 'version', exactTimestamps.created_at])
      .orderBy('id')
      .execute();
    expect(legacyRows.map(squadToNew)).toEqual(
      newRows.map((r) => ({ ...r, created_at: squadToNew(squadToLegacy(r)).created_at })),
    );
    expect(newRows.map(squadToLegacy)).toEqual(legacyRows.map((r) => expectedLegacy(r, ['CreatedAt'])));
    const byId = new Map(squads.map((s) => [s.SquadId, s]));
    for (const row of newRows.map(squadToLegacy)) {
      const original = byId.get(row.SquadId);
      expect(row).toEqual(expectedLegacy(original as LegacySquad, ['CreatedAt']));
    }
  });

  it('athletes: names with accents, NULL vs empty position, bit flags and e-mail case survive both ways', async () => {
    const newRows = await newDb
      .selectFrom('athletes')
      .selectAll()
      .select([exactTimestamps.created_at, sql<string>`updated_at::text`.as('updated_at')])
      .execute();
    const byId = new Map(athletes.map((a) => [a.AthleteId, a]));
    expect(newRows).toHaveLength(athletes.length);
    for (const row of newRows.map(athleteToLegacy)) {
      expect(row).toEqual(
        expectedLegacy(byId.get(row.AthleteId) as LegacyAthlete, ['CreatedAt', 'UpdatedAt']),
      );
    }
    const legacyRows = await legacyDb.selectFrom('dbo.Athletes').selectAll().execute();
    const newById = new Map(newRows.map((r) => [r.id, athleteToNew(athleteToLegacy(r))]));
    for (const row of legacyRows.map(athleteToNew)) expect(row).toEqual(newById.get(row.id));
    expect(newRows.some((r) => r.position === null)).toBe(true);
    expect(newRows.some((r) => r.position === '')).toBe(true);
  });

  it('wellness entries: scores stay fixed-scale strings, notes and dates unchanged', async () => {
    const newRows = await newDb
      .selectFrom('wellness_entries')
      .selectAll()
      .select(exactTimestamps.created_at)
      .execute();
    const byId = new Map(entries.map((e) => [e.WellnessEntryId, e]));
    expect(newRows).toHaveLength(entries.length);
    for (const row of newRows.map(wellnessEntryToLegacy)) {
      expect(row).toEqual(
        expectedLegacy(byId.get(row.WellnessEntryId) as LegacyWellnessEntry, ['CreatedAt']),
      );
    }
    const legacyRows = await legacyDb.selectFrom('dbo.WellnessEntries').selectAll().execute();
    const newById = new Map(newRows.map((r) => [r.id, wellnessEntryToNew(wellnessEntryToLegacy(r))]));
    for (const row of legacyRows.map(wellnessEntryToNew)) expect(row).toEqual(newById.get(row.id));
  });

  it('reads timestamptz as Dates that still carry PostgreSQL’s microseconds, so selectAll() rows map exactly', async () => {
    const newRows = await newDb.selectFrom('squads').selectAll().execute();
    const byId = new Map(squads.map((sq) => [sq.SquadId, sq]));
    expect(newRows[0]?.created_at).toBeInstanceOf(Date);
    for (const row of newRows.map(squadToLegacy)) {
      expect(row).toEqual(expectedLegacy(byId.get(row.SquadId) as LegacySquad, ['CreatedAt']));
    }
    // A plain Date (not read through the dialect) has milliseconds only.
    const plain = new Date(newRows[0]?.created_at.getTime() ?? 0);
    expect(squadToLegacy({ ...newRows[0]!, created_at: plain }).CreatedAt).toMatch(/\.\d{3}0000$/);
  });
});
