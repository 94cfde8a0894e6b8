import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';

import { emailKey, emailKeyOf } from '../../../adapters/postgres/migrations/email-key.ts';
import type { LegacyDatabase } from '../../../adapters/schema.ts';

/*
 * Every query the stand-in runs, as kysely query builders only (no raw SQL), so the same code runs on the
 * PostgreSQL stand-in and on SQL Server through MssqlDialect; legacy-queries.test.ts snapshots their T-SQL.
 * Paging uses OFFSET ... FETCH NEXT, the form both engines accept (SQL Server has no LIMIT).
 */

export type LegacyDb = Kysely<LegacyDatabase> | Transaction<LegacyDatabase>;

export const SQUAD_COLUMNS = ['SquadId', 'Name', 'Sport', 'CreatedAt'] as const;
export const ATHLETE_COLUMNS = [
  'AthleteId',
  'SquadId',
  'FirstName',
  'LastName',
  'Email',
  'DateOfBirth',
  'Position',
  'IsActive',
  'CreatedAt',
  'UpdatedAt',
  'Version',
] as const;
export const WELLNESS_COLUMNS = [
  'WellnessEntryId',
  'AthleteId',
  'EntryDate',
  'Sleep',
  'Soreness',
  'Fatigue',
  'Stress',
  'Mood',
  'Score',
  'Notes',
  'CreatedAt',
] as const;

/**
 * The organisation a query sees, as the legacy's EF Core query filters scope it: squads by their
 * organisation, athletes through their squad. Undefined sees every organisation (the stand-in runs open).
 * Wellness entries and the report's rows are only read for an athlete or squad found in scope first.
 */
export type Scope = string | undefined;

export interface AthleteFilter {
  readonly scope: Scope;
  readonly squadId?: string;
  readonly includeInactive: boolean;
}

export interface Page {
  readonly offset: number;
  readonly fetch: number;
}

export interface WellnessFilter {
  readonly athleteId: string;
  readonly from?: string;
  readonly to?: string;
}

export interface AthleteValues {
  readonly SquadId: string;
  readonly FirstName: string;
  readonly LastName: string;
  readonly Email: string;
  readonly DateOfBirth: string;
  readonly Position: string | null;
}

const squadIdsOf = (db: LegacyDb, organisationId: string) =>
  db.selectFrom('dbo.Squads').select('SquadId').where('OrganisationId', '=', organisationId);

export const legacyQueries = {
  listSquads: (db: LegacyDb, scope: Scope) =>
    db
      .selectFrom('dbo.Squads')
      .select(SQUAD_COLUMNS)
      .$if(scope !== undefined, (q) => q.where('OrganisationId', '=', scope ?? ''))
      .orderBy('Name')
      .orderBy('SquadId'),

  findSquad: (db: LegacyDb, scope: Scope, squadId: string) =>
    db
      .selectFrom('dbo.Squads')
      .select(SQUAD_COLUMNS)
      .where('SquadId', '=', squadId)
      .$if(scope !== undefined, (q) => q.where('OrganisationId', '=', scope ?? '')),

  countAthletes: (db: LegacyDb, filter: AthleteFilter) =>
    db
      .selectFrom('dbo.Athletes')
      .select((eb) => eb.fn.countAll<number | string>().as('Total'))
      .$if(filter.scope !== undefined, (q) => q.where('SquadId', 'in', squadIdsOf(db, filter.scope ?? '')))
      .$if(filter.squadId !== undefined, (q) => q.where('SquadId', '=', filter.squadId ?? ''))
      .$if(!filter.includeInactive, (q) => q.where('IsActive', '=', true)),

  // Names are not unique, so AthleteId breaks ties and pages never overlap.
  listAthletes: (db: LegacyDb, filter: AthleteFilter, page: Page) =>
    db
      .selectFrom('dbo.Athletes')
      .select(ATHLETE_COLUMNS)
      .$if(filter.scope !== undefined, (q) => q.where('SquadId', 'in', squadIdsOf(db, filter.scope ?? '')))
      .$if(filter.squadId !== undefined, (q) => q.where('SquadId', '=', filter.squadId ?? ''))
      .$if(!filter.includeInactive, (q) => q.where('IsActive', '=', true))
      .orderBy('LastName')
      .orderBy('FirstName')
      .orderBy('AthleteId')
      .offset(page.offset)
      .fetch(page.fetch),

  findAthlete: (db: LegacyDb, scope: Scope, athleteId: string) =>
    db
      .selectFrom('dbo.Athletes')
      .select(ATHLETE_COLUMNS)
      .where('AthleteId', '=', athleteId)
      .$if(scope !== undefined, (q) => q.where('SquadId', 'in', squadIdsOf(db, scope ?? ''))),

  // Email is unique case-insensitively (SQL Server's CI collation); LOWER keeps that true on PostgreSQL.
  // Unscoped: legacy's scoped check misses another organisation's holder, but the unique index then
  // refuses the write and legacy answers the same 409.
  findAthleteIdByEmail: (db: LegacyDb, email: string) =>
    db
      .selectFrom('dbo.Athletes')
      .select('AthleteId')
      .where(sql.raw<string>(emailKey('"Email"')), '=', emailKeyOf(email)),

  insertAthlete: (db: LegacyDb, athleteId: string, values: AthleteValues, now: string) =>
    db.insertInto('dbo.Athletes').values({
      AthleteId: athleteId,
      ...values,
      IsActive: true,
      CreatedAt: now,
      UpdatedAt: now,
      Version: 1,
    }),

  updateAthlete: (db: LegacyDb, athleteId: string, values: AthleteValues, now: string) =>
    db
      .updateTable('dbo.Athletes')
      .set((eb) => ({ ...values, UpdatedAt: now, Version: eb('Version', '+', eb.lit(1).$castTo<string>()) }))
      .where('AthleteId', '=', athleteId),

  deactivateAthlete: (db: LegacyDb, athleteId: string, now: string) =>
    db
      .updateTable('dbo.Athletes')
      .set((eb) => ({
        IsActive: false,
        UpdatedAt: now,
        Version: eb('Version', '+', eb.lit(1).$castTo<string>()),
      }))
      .where('AthleteId', '=', athleteId)
      .where('IsActive', '=', true),

  countWellness: (db: LegacyDb, filter: WellnessFilter) =>
    db
      .selectFrom('dbo.WellnessEntries')
      .select((eb) => eb.fn.countAll<number | string>().as('Total'))
      .where('AthleteId', '=', filter.athleteId)
      .$if(filter.from !== undefined, (q) => q.where('EntryDate', '>=', filter.from ?? ''))
      .$if(filter.to !== undefined, (q) => q.where('EntryDate', '<=', filter.to ?? '')),

  listWellness: (db: LegacyDb, filter: WellnessFilter, page: Page) =>
    db
      .selectFrom('dbo.WellnessEntries')
      .select(WELLNESS_COLUMNS)
      .where('AthleteId', '=', filter.athleteId)
      .$if(filter.from !== undefined, (q) => q.where('EntryDate', '>=', filter.from ?? ''))
      .$if(filter.to !== undefined, (q) => q.where('EntryDate', '<=', filter.to ?? ''))
      .orderBy('EntryDate')
      .offset(page.offset)
      .fetch(page.fetch),

  findWellnessEntryId: (db: LegacyDb, athleteId: string, entryDate: string) =>
    db
      .selectFrom('dbo.WellnessEntries')
      .select('WellnessEntryId')
      .where('AthleteId', '=', athleteId)
      .where('EntryDate', '=', entryDate),

  findWellnessEntry: (db: LegacyDb, wellnessEntryId: string) =>
    db
      .selectFrom('dbo.WellnessEntries')
      .select(WELLNESS_COLUMNS)
      .where('WellnessEntryId', '=', wellnessEntryId),

  insertWellness: (
    db: LegacyDb,
    entry: {
      readonly WellnessEntryId: string;
      readonly AthleteId: string;
      readonly EntryDate: string;
      readonly Sleep: number;
      readonly Soreness: number;
      readonly Fatigue: number;
      readonly Stress: number;
      readonly Mood: number;
      readonly Score: string;
      readonly Notes: string | null;
    },
    now: string,
  ) => db.insertInto('dbo.WellnessEntries').values({ ...entry, CreatedAt: now, Version: 1 }),

  /** The availability report's squad members (active only). */
  availabilityAthletes: (db: LegacyDb, squadId: string) =>
    db
      .selectFrom('dbo.Athletes')
      .select(['AthleteId', 'FirstName', 'LastName'])
      .where('SquadId', '=', squadId)
      .where('IsActive', '=', true)
      .orderBy('LastName')
      .orderBy('FirstName')
      .orderBy('AthleteId'),

  /** Their entries in the report's window, newest first per athlete, so the first one seen is the latest. */
  availabilityEntries: (db: LegacyDb, squadId: string, from: string, to: string) =>
    db
      .selectFrom('dbo.WellnessEntries as w')
      .innerJoin('dbo.Athletes as a', 'a.AthleteId', 'w.AthleteId')
      .select(['w.AthleteId', 'w.EntryDate', 'w.Score'])
      .where('a.SquadId', '=', squadId)
      .where('a.IsActive', '=', true)
      .where('w.EntryDate', '>=', from)
      .where('w.EntryDate', '<=', to)
      .orderBy('w.AthleteId')
      .orderBy('w.EntryDate', 'desc'),
};
