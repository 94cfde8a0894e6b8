/*
 * The legacy dbo schema on SQL Server / Azure SQL, as the .NET application created it. Used to build a
 * test or development copy of the legacy database; production's schema already exists and is never
 * migrated by strangler. Collation is spelled out so a case-sensitive server default cannot change how
 * e-mails compare.
 *
 * Keys, uniqueness and checks are named table constraints; foreign keys are added afterwards by
 * ALTER TABLE. Defaults are left unnamed (SQL Server names them): down drops whole tables, so nothing
 * refers to them. This shape also lets node-sql-parser check every CREATE TABLE (compile-tsql.test.ts);
 * it cannot parse REFERENCES at all.
 */
export const up: readonly string[] = [
  `CREATE TABLE dbo.Squads (
    SquadId uniqueidentifier NOT NULL,
    Name nvarchar(100) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    Sport nvarchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    CreatedAt datetime2(7) NOT NULL DEFAULT SYSUTCDATETIME(),
    Version bigint NOT NULL DEFAULT 1,
    CONSTRAINT PK_Squads PRIMARY KEY (SquadId)
  )`,
  `CREATE TABLE dbo.Athletes (
    AthleteId uniqueidentifier NOT NULL,
    SquadId uniqueidentifier NOT NULL,
    FirstName nvarchar(100) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    LastName nvarchar(100) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    Email nvarchar(256) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    DateOfBirth date NOT NULL,
    Position nvarchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    IsActive bit NOT NULL DEFAULT 1,
    CreatedAt datetime2(7) NOT NULL DEFAULT SYSUTCDATETIME(),
    UpdatedAt datetime2(7) NOT NULL DEFAULT SYSUTCDATETIME(),
    Version bigint NOT NULL DEFAULT 1,
    CONSTRAINT PK_Athletes PRIMARY KEY (AthleteId),
    CONSTRAINT UX_Athletes_Email UNIQUE (Email)
  )`,
  'ALTER TABLE dbo.Athletes ADD CONSTRAINT FK_Athletes_Squads FOREIGN KEY (SquadId) REFERENCES dbo.Squads (SquadId)',
  'CREATE INDEX IX_Athletes_SquadId ON dbo.Athletes (SquadId)',
  `CREATE TABLE dbo.WellnessEntries (
    WellnessEntryId uniqueidentifier NOT NULL,
    AthleteId uniqueidentifier NOT NULL,
    EntryDate date NOT NULL,
    Sleep tinyint NOT NULL,
    Soreness tinyint NOT NULL,
    Fatigue tinyint NOT NULL,
    Stress tinyint NOT NULL,
    Mood tinyint NOT NULL,
    Score decimal(3, 1) NOT NULL,
    Notes nvarchar(500) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    CreatedAt datetime2(7) NOT NULL DEFAULT SYSUTCDATETIME(),
    Version bigint NOT NULL DEFAULT 1,
    CONSTRAINT PK_WellnessEntries PRIMARY KEY (WellnessEntryId),
    CONSTRAINT UQ_WellnessEntries_AthleteId_EntryDate UNIQUE (AthleteId, EntryDate),
    CONSTRAINT CK_WellnessEntries_Sleep CHECK (Sleep BETWEEN 1 AND 5),
    CONSTRAINT CK_WellnessEntries_Soreness CHECK (Soreness BETWEEN 1 AND 5),
    CONSTRAINT CK_WellnessEntries_Fatigue CHECK (Fatigue BETWEEN 1 AND 5),
    CONSTRAINT CK_WellnessEntries_Stress CHECK (Stress BETWEEN 1 AND 5),
    CONSTRAINT CK_WellnessEntries_Mood CHECK (Mood BETWEEN 1 AND 5)
  )`,
  `ALTER TABLE dbo.WellnessEntries ADD CONSTRAINT FK_WellnessEntries_Athletes FOREIGN KEY (AthleteId)
    REFERENCES dbo.Athletes (AthleteId)`,
];

export const down: readonly string[] = [
  'DROP TABLE dbo.WellnessEntries',
  'DROP TABLE dbo.Athletes',
  'DROP TABLE dbo.Squads',
];
