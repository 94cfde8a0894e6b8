import type { ColumnType } from 'kysely';

/*
 * The two schemas of the athlete-monitoring API, as kysely sees them. This file is the agreement
 * between the legacy side (Azure SQL, or its PostgreSQL stand-in with the same PascalCase schema) and
 * the new side (PostgreSQL, snake_case). Migrations in adapters/<engine>/ must match it.
 *
 * Both sides carry a logical `Version`/`version` (bigint, starts at 1, +1 on every write) that the
 * dual-write sync uses for its version guard; it is not SQL Server's rowversion, which differs per side.
 *
 * Value formats crossing the boundary (see adapters/mappings):
 *  - GUIDs: SQL Server returns upper-case uniqueidentifier strings, PostgreSQL lower-case uuid.
 *  - datetime2(7) has 100 ns ticks; timestamptz microseconds. Legacy timestamps are UTC with no offset.
 *  - bit ↔ boolean; decimal(3,1) Score as a fixed-scale string, never a float.
 */

// ---------------------------------------------------------------- legacy (schema dbo)

// The API's customers: every squad belongs to one, and athletes and entries through their squad.
export interface LegacyOrganisationsTable {
  OrganisationId: string; // uniqueidentifier
  Name: string; // nvarchar(100)
  CreatedAt: ColumnType<string, string, string>; // datetime2(7)
  Version: ColumnType<string, string | number, string | number>; // bigint
}

export interface LegacySquadsTable {
  SquadId: string; // uniqueidentifier
  OrganisationId: string; // uniqueidentifier, FK Organisations
  Name: string; // nvarchar(100)
  Sport: string; // nvarchar(50)
  CreatedAt: ColumnType<string, string, string>; // datetime2(7), 'YYYY-MM-DD HH:MM:SS.fffffff'
  Version: ColumnType<string, string | number, string | number>; // bigint
}

export interface LegacyAthletesTable {
  AthleteId: string; // uniqueidentifier
  SquadId: string; // uniqueidentifier, FK Squads
  FirstName: string; // nvarchar(100)
  LastName: string; // nvarchar(100)
  Email: string; // nvarchar(256), unique case-insensitive (SQL_Latin1_General_CP1_CI_AS)
  DateOfBirth: string; // date, 'YYYY-MM-DD'
  Position: string | null; // nvarchar(50)
  IsActive: boolean; // bit
  CreatedAt: string; // datetime2(7)
  UpdatedAt: string; // datetime2(7)
  Version: ColumnType<string, string | number, string | number>; // bigint
}

export interface LegacyWellnessEntriesTable {
  WellnessEntryId: string; // uniqueidentifier
  AthleteId: string; // uniqueidentifier, FK Athletes
  EntryDate: string; // date, unique with AthleteId
  Sleep: number; // tinyint 1..5
  Soreness: number; // tinyint 1..5
  Fatigue: number; // tinyint 1..5
  Stress: number; // tinyint 1..5
  Mood: number; // tinyint 1..5
  Score: string; // decimal(3,1)
  Notes: string | null; // nvarchar(500)
  CreatedAt: string; // datetime2(7)
  Version: ColumnType<string, string | number, string | number>; // bigint
}

export interface LegacyDatabase {
  'dbo.Organisations': LegacyOrganisationsTable;
  'dbo.Squads': LegacySquadsTable;
  'dbo.Athletes': LegacyAthletesTable;
  'dbo.WellnessEntries': LegacyWellnessEntriesTable;
}

// ---------------------------------------------------------------- new (PostgreSQL, schema public)

export interface OrganisationsTable {
  id: string; // uuid
  name: string; // text, check length <= 100
  created_at: ColumnType<Date, Date | string, Date | string>; // timestamptz
  version: ColumnType<string, string | number, string | number>; // bigint
}

export interface SquadsTable {
  id: string; // uuid
  organisation_id: string; // uuid, FK organisations
  name: string; // text, check length <= 100
  sport: string;
  created_at: ColumnType<Date, Date | string, Date | string>; // timestamptz
  version: ColumnType<string, string | number, string | number>; // bigint
}

export interface AthletesTable {
  id: string; // uuid
  squad_id: string;
  first_name: string;
  last_name: string;
  email: string; // unique as legacy's collation compares (adapters/postgres/migrations/email-key.ts)
  date_of_birth: ColumnType<string, string, string>; // date (read as 'YYYY-MM-DD' text)
  position: string | null;
  is_active: boolean;
  created_at: ColumnType<Date, Date | string, Date | string>;
  updated_at: ColumnType<Date, Date | string, Date | string>;
  version: ColumnType<string, string | number, string | number>;
}

export interface WellnessEntriesTable {
  id: string; // uuid
  athlete_id: string;
  entry_date: ColumnType<string, string, string>; // date, unique with athlete_id
  sleep: number; // smallint 1..5
  soreness: number;
  fatigue: number;
  stress: number;
  mood: number;
  score: string; // numeric(3,1), read as string
  notes: string | null;
  created_at: ColumnType<Date, Date | string, Date | string>;
  version: ColumnType<string, string | number, string | number>;
}

export interface NewDatabase {
  organisations: OrganisationsTable;
  squads: SquadsTable;
  athletes: AthletesTable;
  wellness_entries: WellnessEntriesTable;
}
