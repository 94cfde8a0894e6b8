import type { Kysely } from 'kysely';

import { computeWellnessScore } from '../adapters/mappings/wellness-score.ts';
import type { LegacyDatabase, NewDatabase } from '../adapters/schema.ts';

/*
 * The small, deterministic data set the contract fixtures are recorded over and replayed on. Both sides
 * get exactly the same rows (same GUIDs, same microseconds), so any difference in a response is the
 * handler's. It is chosen to exercise the contract's edges: namesakes (tie order), an inactive athlete,
 * a null Position, mixed-case e-mails, scores that end in .0 and ties that round half to even.
 */

/** The organisation that owns every squad of the data set (and, through them, its athletes and entries). */
export const CONTRACT_ORGANISATION = {
  id: '5a1c0e2d-8b3f-4a6e-9d1c-2b3a4c5d6e01',
  name: 'Contract Club',
  createdAt: '2025-06-30 08:00:00',
} as const;

export const SQUADS = [
  {
    id: '3f2b8c1e-6a4d-4e0b-9c7a-1d2e3f405161',
    name: 'First Team',
    sport: 'Football',
    createdAt: '2025-07-01 09:00:00.123456',
  },
  {
    id: '7a9e0d24-5b13-4c8f-a2e6-0f1b2c3d4e5f',
    name: 'Academy U21',
    sport: 'Football',
    createdAt: '2025-07-02 10:30:45.000001',
  },
  {
    id: 'c4d5e6f7-0819-4a2b-8c3d-4e5f60718293',
    name: 'Women First Team',
    sport: 'Football',
    createdAt: '2025-07-03 11:15:00',
  },
] as const;

const FIRST_TEAM = SQUADS[0].id;
const ACADEMY = SQUADS[1].id;

export const ATHLETES = [
  {
    id: '0b7c2a18-9d3e-4f51-8a6b-1c2d3e4f5a6b',
    squadId: FIRST_TEAM,
    firstName: 'Erling',
    lastName: 'Aalto',
    email: 'erling.aalto@example.test',
    dateOfBirth: '2000-07-21',
    position: 'Forward',
    isActive: true,
  },
  {
    id: '1c8d3b29-ae4f-4062-9b7c-2d3e4f5a6b7c',
    squadId: FIRST_TEAM,
    firstName: 'Sam',
    lastName: 'Berg',
    email: 'Sam.Berg@Example.test',
    dateOfBirth: '1998-02-28',
    position: 'Midfielder',
    isActive: true,
  },
  {
    id: '2d9e4c3a-bf50-4173-ac8d-3e4f5a6b7c8d',
    squadId: FIRST_TEAM,
    firstName: 'Sam',
    lastName: 'Berg',
    email: 'sam.berg2@example.test',
    dateOfBirth: '2001-11-05',
    position: null,
    isActive: true,
  },
  {
    id: '3eaf5d4b-c061-4284-bd9e-4f5a6b7c8d9e',
    squadId: FIRST_TEAM,
    firstName: 'Lena',
    lastName: 'Carlsen',
    email: 'lena.carlsen@example.test',
    dateOfBirth: '1996-04-12',
    position: 'Goalkeeper',
    isActive: false,
  },
  {
    id: '4fb06e5c-d172-4395-8eaf-5a6b7c8d9eaf',
    squadId: FIRST_TEAM,
    firstName: 'Jonas',
    lastName: 'Dahl',
    email: 'jonas.dahl@example.test',
    dateOfBirth: '1999-09-30',
    position: 'Defender',
    isActive: true,
  },
  {
    id: '5ac17f6d-e283-44a6-9fb0-6b7c8d9eafb0',
    squadId: ACADEMY,
    firstName: 'Mia',
    lastName: 'Eklund',
    email: 'mia.eklund@example.test',
    dateOfBirth: '2005-01-01',
    position: 'Forward',
    isActive: true,
  },
  {
    id: '6bd28a7e-f394-45b7-a0c1-7c8d9eafb0c1',
    squadId: ACADEMY,
    firstName: 'Oskar',
    lastName: 'Fors',
    email: 'oskar.fors@example.test',
    dateOfBirth: '2006-06-15',
    position: 'Midfielder',
    isActive: true,
  },
  {
    id: '7ce39b8f-04a5-46c8-b1d2-8d9eafb0c1d2',
    squadId: ACADEMY,
    firstName: 'Nora',
    lastName: 'Gran',
    email: 'nora.gran@example.test',
    dateOfBirth: '2005-12-31',
    position: null,
    isActive: false,
  },
] as const;

export const ATHLETE_WITH_ENTRIES = ATHLETES[0].id;

interface Answers {
  readonly sleep: number;
  readonly soreness: number;
  readonly fatigue: number;
  readonly stress: number;
  readonly mood: number;
}

/** Erling's questionnaires; the scores span 2.2 .. 5.0, with 3.85 → 3.8 and 3.15 → 3.2 (half to even). */
const ENTRY_ANSWERS: readonly (readonly [string, Answers, string | null])[] = [
  ['2026-11-01', { sleep: 4, soreness: 2, fatigue: 2, stress: 3, mood: 4 }, 'Felt sharp'],
  ['2026-11-02', { sleep: 3, soreness: 3, fatigue: 3, stress: 3, mood: 4 }, null],
  ['2026-11-03', { sleep: 5, soreness: 1, fatigue: 1, stress: 1, mood: 5 }, 'Rest day'],
  ['2026-11-04', { sleep: 2, soreness: 4, fatigue: 4, stress: 4, mood: 3 }, 'Heavy legs after travel'],
  ['2026-11-05', { sleep: 3, soreness: 3, fatigue: 3, stress: 2, mood: 3 }, null],
  ['2026-11-06', { sleep: 4, soreness: 2, fatigue: 3, stress: 2, mood: 4 }, null],
];

export const WELLNESS_ENTRIES = ENTRY_ANSWERS.map(([entryDate, answers, notes], i) => ({
  id: `9e0f1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a${(10 + i).toString(16).padStart(2, '0')}`,
  athleteId: ATHLETE_WITH_ENTRIES,
  entryDate,
  answers,
  score: computeWellnessScore(answers),
  notes,
  createdAt: `${entryDate} 07:0${i}:00.${String(100001 * (i + 1)).padStart(6, '0')}`,
}));

const ATHLETE_CREATED_AT = '2025-08-15 12:00:00.654321';
const ATHLETE_UPDATED_AT = '2025-09-01 08:45:12.000100';

export async function seedLegacy(db: Kysely<LegacyDatabase>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('dbo.WellnessEntries').execute();
    await trx.deleteFrom('dbo.Athletes').execute();
    await trx.deleteFrom('dbo.Squads').execute();
    await trx.deleteFrom('dbo.Organisations').execute();
    await trx
      .insertInto('dbo.Organisations')
      .values({
        OrganisationId: CONTRACT_ORGANISATION.id,
        Name: CONTRACT_ORGANISATION.name,
        CreatedAt: CONTRACT_ORGANISATION.createdAt,
        Version: 1,
      })
      .execute();
    await trx
      .insertInto('dbo.Squads')
      .values(
        SQUADS.map((s) => ({
          SquadId: s.id,
          OrganisationId: CONTRACT_ORGANISATION.id,
          Name: s.name,
          Sport: s.sport,
          CreatedAt: s.createdAt,
          Version: 1,
        })),
      )
      .execute();
    await trx
      .insertInto('dbo.Athletes')
      .values(
        ATHLETES.map((a) => ({
          AthleteId: a.id,
          SquadId: a.squadId,
          FirstName: a.firstName,
          LastName: a.lastName,
          Email: a.email,
          DateOfBirth: a.dateOfBirth,
          Position: a.position,
          IsActive: a.isActive,
          CreatedAt: ATHLETE_CREATED_AT,
          UpdatedAt: ATHLETE_UPDATED_AT,
          Version: a.isActive ? 1 : 2,
        })),
      )
      .execute();
    await trx
      .insertInto('dbo.WellnessEntries')
      .values(
        WELLNESS_ENTRIES.map((w) => ({
          WellnessEntryId: w.id,
          AthleteId: w.athleteId,
          EntryDate: w.entryDate,
          Sleep: w.answers.sleep,
          Soreness: w.answers.soreness,
          Fatigue: w.answers.fatigue,
          Stress: w.answers.stress,
          Mood: w.answers.mood,
          Score: w.score,
          Notes: w.notes,
          CreatedAt: w.createdAt,
          Version: 1,
        })),
      )
      .execute();
  });
}

/** Legacy datetime2 values are UTC wall-clock times; timestamptz needs the offset said out loud. */
const utc = (wallClock: string): string => `${wallClock}+00`;

export async function seedNew(db: Kysely<NewDatabase>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('wellness_entries').execute();
    await trx.deleteFrom('athletes').execute();
    await trx.deleteFrom('squads').execute();
    await trx.deleteFrom('organisations').execute();
    await trx
      .insertInto('organisations')
      .values({
        id: CONTRACT_ORGANISATION.id,
        name: CONTRACT_ORGANISATION.name,
        created_at: utc(CONTRACT_ORGANISATION.createdAt),
        version: 1,
      })
      .execute();
    await trx
      .insertInto('squads')
      .values(
        SQUADS.map((s) => ({
          id: s.id,
          organisation_id: CONTRACT_ORGANISATION.id,
          name: s.name,
          sport: s.sport,
          created_at: utc(s.createdAt),
          version: 1,
        })),
      )
      .execute();
    await trx
      .insertInto('athletes')
      .values(
        ATHLETES.map((a) => ({
          id: a.id,
          squad_id: a.squadId,
          first_name: a.firstName,
          last_name: a.lastName,
          email: a.email,
          date_of_birth: a.dateOfBirth,
          position: a.position,
          is_active: a.isActive,
          created_at: utc(ATHLETE_CREATED_AT),
          updated_at: utc(ATHLETE_UPDATED_AT),
          version: a.isActive ? 1 : 2,
        })),
      )
      .execute();
    await trx
      .insertInto('wellness_entries')
      .values(
        WELLNESS_ENTRIES.map((w) => ({
          id: w.id,
          athlete_id: w.athleteId,
          entry_date: w.entryDate,
          ...w.answers,
          score: w.score,
          notes: w.notes,
          created_at: utc(w.createdAt),
          version: 1,
        })),
      )
      .execute();
  });
}

/**
 * A second customer with a squad, an athlete and an entry of its own: what a caller of the contract
 * organisation must neither see nor touch. Kept out of seedLegacy and seedNew because the suites that
 * run unscoped (no issuer) would see it; the contract recordings and replays, scoped to their caller,
 * add it on both sides.
 */
export const ANOTHER_ORGANISATION = {
  id: '5a1c0e2d-8b3f-4a6e-9d1c-2b3a4c5d6e02',
  name: 'Another Club',
  squadId: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d01',
  athleteId: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d02',
  athleteEmail: 'ivy.lund@another.example.test',
  entryId: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d03',
  entryDate: '2026-11-20',
} as const;

const ANOTHER_CREATED_AT = '2025-10-01 09:30:00.5';
const ANOTHER_ATHLETE = {
  firstName: 'Ivy',
  lastName: 'Lund',
  dateOfBirth: '2001-04-02',
  position: 'Defender',
} as const;
const ANOTHER_ANSWERS = { sleep: 4, soreness: 2, fatigue: 2, stress: 2, mood: 4 } as const;

export async function seedAnotherOrganisation(db: Kysely<LegacyDatabase>): Promise<void> {
  const other = ANOTHER_ORGANISATION;
  const at = ANOTHER_CREATED_AT;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('dbo.Organisations')
      .values({ OrganisationId: other.id, Name: other.name, CreatedAt: at, Version: 1 })
      .execute();
    await trx
      .insertInto('dbo.Squads')
      .values({
        SquadId: other.squadId,
        OrganisationId: other.id,
        Name: 'Another First Team',
        Sport: 'Football',
        CreatedAt: at,
        Version: 1,
      })
      .execute();
    await trx
      .insertInto('dbo.Athletes')
      .values({
        AthleteId: other.athleteId,
        SquadId: other.squadId,
        FirstName: ANOTHER_ATHLETE.firstName,
        LastName: ANOTHER_ATHLETE.lastName,
        Email: other.athleteEmail,
        DateOfBirth: ANOTHER_ATHLETE.dateOfBirth,
        Position: ANOTHER_ATHLETE.position,
        IsActive: true,
        CreatedAt: at,
        UpdatedAt: at,
        Version: 1,
      })
      .execute();
    const answers = ANOTHER_ANSWERS;
    await trx
      .insertInto('dbo.WellnessEntries')
      .values({
        WellnessEntryId: other.entryId,
        AthleteId: other.athleteId,
        EntryDate: other.entryDate,
        Sleep: answers.sleep,
        Soreness: answers.soreness,
        Fatigue: answers.fatigue,
        Stress: answers.stress,
        Mood: answers.mood,
        Score: computeWellnessScore(answers),
        Notes: null,
        CreatedAt: at,
        Version: 1,
      })
      .execute();
  });
}

/** The same rows as seedAnotherOrganisation, in the new schema. */
export async function seedAnotherOrganisationNew(db: Kysely<NewDatabase>): Promise<void> {
  const other = ANOTHER_ORGANISATION;
  const at = utc(ANOTHER_CREATED_AT);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('organisations')
      .values({ id: other.id, name: other.name, created_at: at, version: 1 })
      .execute();
    await trx
      .insertInto('squads')
      .values({
        id: other.squadId,
        organisation_id: other.id,
        name: 'Another First Team',
        sport: 'Football',
        created_at: at,
        version: 1,
      })
      .execute();
    await trx
      .insertInto('athletes')
      .values({
        id: other.athleteId,
        squad_id: other.squadId,
        first_name: ANOTHER_ATHLETE.firstName,
        last_name: ANOTHER_ATHLETE.lastName,
        email: other.athleteEmail,
        date_of_birth: ANOTHER_ATHLETE.dateOfBirth,
        position: ANOTHER_ATHLETE.position,
        is_active: true,
        created_at: at,
        updated_at: at,
        version: 1,
      })
      .execute();
    await trx
      .insertInto('wellness_entries')
      .values({
        id: other.entryId,
        athlete_id: other.athleteId,
        entry_date: other.entryDate,
        ...ANOTHER_ANSWERS,
        score: computeWellnessScore(ANOTHER_ANSWERS),
        notes: null,
        created_at: at,
        version: 1,
      })
      .execute();
  });
}
