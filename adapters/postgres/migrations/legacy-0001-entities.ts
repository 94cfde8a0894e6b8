/*
 * The legacy dbo schema on the PostgreSQL stand-in, as close to the SQL Server DDL (generated from the
 * ASP.NET app's EF Core model) in
 * adapters/mssql/migrations/legacy-0001-entities.sql as PostgreSQL allows; the model declares these
 * PostgreSQL column types too (scripts/legacy-aspnet/schema-script.test.ts checks they agree):
 *  - uniqueidentifier → uuid; bit → boolean; decimal(3,1) → numeric(3,1); tinyint → smallint + CHECK;
 *  - nvarchar(n) → varchar(n); the CI collation's e-mail uniqueness → a unique index on the e-mail's key (0003, email-key.ts);
 *  - datetime2(7) → timestamp(6): PostgreSQL keeps microseconds, so the 7th fractional digit (100 ns) of
 *    a legacy value is lost here. The mappings (adapters/mappings/values.ts) read it back padded to 7
 *    digits; see there for what that means for comparisons.
 */
export const up: readonly string[] = [
  'CREATE SCHEMA IF NOT EXISTS dbo',
  `CREATE TABLE dbo."Organisations" (
    "OrganisationId" uuid NOT NULL CONSTRAINT "PK_Organisations" PRIMARY KEY,
    "Name" varchar(100) NOT NULL,
    "CreatedAt" timestamp(6) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    "Version" bigint NOT NULL DEFAULT 1
  )`,
  `CREATE TABLE dbo."Squads" (
    "SquadId" uuid NOT NULL CONSTRAINT "PK_Squads" PRIMARY KEY,
    "OrganisationId" uuid NOT NULL CONSTRAINT "FK_Squads_Organisations" REFERENCES dbo."Organisations" ("OrganisationId"),
    "Name" varchar(100) NOT NULL,
    "Sport" varchar(50) NOT NULL,
    "CreatedAt" timestamp(6) NOT NULL CONSTRAINT "DF_Squads_CreatedAt" DEFAULT (now() AT TIME ZONE 'UTC'),
    "Version" bigint NOT NULL DEFAULT 1
  )`,
  'CREATE INDEX "IX_Squads_OrganisationId" ON dbo."Squads" ("OrganisationId")',
  `CREATE TABLE dbo."Athletes" (
    "AthleteId" uuid NOT NULL CONSTRAINT "PK_Athletes" PRIMARY KEY,
    "SquadId" uuid NOT NULL CONSTRAINT "FK_Athletes_Squads" REFERENCES dbo."Squads" ("SquadId"),
    "FirstName" varchar(100) NOT NULL,
    "LastName" varchar(100) NOT NULL,
    "Email" varchar(256) NOT NULL,
    "DateOfBirth" date NOT NULL,
    "Position" varchar(50) NULL,
    "IsActive" boolean NOT NULL DEFAULT true,
    "CreatedAt" timestamp(6) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    "UpdatedAt" timestamp(6) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    "Version" bigint NOT NULL DEFAULT 1
  )`,
  'CREATE UNIQUE INDEX "UX_Athletes_Email" ON dbo."Athletes" (lower("Email"))',
  'CREATE INDEX "IX_Athletes_SquadId" ON dbo."Athletes" ("SquadId")',
  `CREATE TABLE dbo."WellnessEntries" (
    "WellnessEntryId" uuid NOT NULL CONSTRAINT "PK_WellnessEntries" PRIMARY KEY,
    "AthleteId" uuid NOT NULL CONSTRAINT "FK_WellnessEntries_Athletes" REFERENCES dbo."Athletes" ("AthleteId"),
    "EntryDate" date NOT NULL,
    "Sleep" smallint NOT NULL CONSTRAINT "CK_WellnessEntries_Sleep" CHECK ("Sleep" BETWEEN 1 AND 5),
    "Soreness" smallint NOT NULL CONSTRAINT "CK_WellnessEntries_Soreness" CHECK ("Soreness" BETWEEN 1 AND 5),
    "Fatigue" smallint NOT NULL CONSTRAINT "CK_WellnessEntries_Fatigue" CHECK ("Fatigue" BETWEEN 1 AND 5),
    "Stress" smallint NOT NULL CONSTRAINT "CK_WellnessEntries_Stress" CHECK ("Stress" BETWEEN 1 AND 5),
    "Mood" smallint NOT NULL CONSTRAINT "CK_WellnessEntries_Mood" CHECK ("Mood" BETWEEN 1 AND 5),
    "Score" numeric(3, 1) NOT NULL,
    "Notes" varchar(500) NULL,
    "CreatedAt" timestamp(6) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    "Version" bigint NOT NULL DEFAULT 1,
    CONSTRAINT "UQ_WellnessEntries_AthleteId_EntryDate" UNIQUE ("AthleteId", "EntryDate")
  )`,
];

// The schema itself is left alone: other subsystems (the stand-in's change feed) may own objects in dbo.
export const down: readonly string[] = [
  'DROP TABLE dbo."WellnessEntries"',
  'DROP TABLE dbo."Athletes"',
  'DROP TABLE dbo."Squads"',
  'DROP TABLE dbo."Organisations"',
];
