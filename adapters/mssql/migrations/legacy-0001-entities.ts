/*
 * The legacy dbo schema on SQL Server / Azure SQL, as the .NET application created it. Used to build a
 * test or development copy of the legacy database; production's schema already exists and is never
 * migrated by strangler. Collation is spelled out so a case-sensitive server default cannot change how
 * e-mails compare.
 */
export const up: readonly string[] = [
  `CREATE TABLE dbo.Squads (
    SquadId uniqueidentifier NOT NULL CONSTRAINT PK_Squads PRIMARY KEY,
    Name nvarchar(100) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    Sport nvarchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    CreatedAt datetime2(7) NOT NULL CONSTRAINT DF_Squads_CreatedAt DEFAULT SYSUTCDATETIME(),
    Version bigint NOT NULL CONSTRAINT DF_Squads_Version DEFAULT 1
  )`,
  `CREATE TABLE dbo.Athletes (
    AthleteId uniqueidentifier NOT NULL CONSTRAINT PK_Athletes PRIMARY KEY,
    SquadId uniqueidentifier NOT NULL CONSTRAINT FK_Athletes_Squads REFERENCES dbo.Squads (SquadId),
    FirstName nvarchar(100) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    LastName nvarchar(100) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    Email nvarchar(256) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL CONSTRAINT UX_Athletes_Email UNIQUE,
    DateOfBirth date NOT NULL,
    Position nvarchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    IsActive bit NOT NULL CONSTRAINT DF_Athletes_IsActive DEFAULT 1,
    CreatedAt datetime2(7) NOT NULL CONSTRAINT DF_Athletes_CreatedAt DEFAULT SYSUTCDATETIME(),
    UpdatedAt datetime2(7) NOT NULL CONSTRAINT DF_Athletes_UpdatedAt DEFAULT SYSUTCDATETIME(),
    Version bigint NOT NULL CONSTRAINT DF_Athletes_Version DEFAULT 1
  )`,
  'CREATE INDEX IX_Athletes_SquadId ON dbo.Athletes (SquadId)',
  `CREATE TABLE dbo.WellnessEntries (
    WellnessEntryId uniqueidentifier NOT NULL CONSTRAINT PK_WellnessEntries PRIMARY KEY,
    AthleteId uniqueidentifier NOT NULL CONSTRAINT FK_WellnessEntries_Athletes REFERENCES dbo.Athletes (AthleteId),
    EntryDate date NOT NULL,
    Sleep tinyint NOT NULL CONSTRAINT CK_WellnessEntries_Sleep CHECK (Sleep BETWEEN 1 AND 5),
    Soreness tinyint NOT NULL CONSTRAINT CK_WellnessEntries_Soreness CHECK (Soreness BETWEEN 1 AND 5),
    Fatigue tinyint NOT NULL CONSTRAINT CK_WellnessEntries_Fatigue CHECK (Fatigue BETWEEN 1 AND 5),
    Stress tinyint NOT NULL CONSTRAINT CK_WellnessEntries_Stress CHECK (Stress BETWEEN 1 AND 5),
    Mood tinyint NOT NULL CONSTRAINT CK_WellnessEntries_Mood CHECK (Mood BETWEEN 1 AND 5),
    Score decimal(3, 1) NOT NULL,
    Notes nvarchar(500) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    CreatedAt datetime2(7) NOT NULL CONSTRAINT DF_WellnessEntries_CreatedAt DEFAULT SYSUTCDATETIME(),
    Version bigint NOT NULL CONSTRAINT DF_WellnessEntries_Version DEFAULT 1,
    CONSTRAINT UQ_WellnessEntries_AthleteId_EntryDate UNIQUE (AthleteId, EntryDate)
  )`,
];

export const down: readonly string[] = [
  'DROP TABLE dbo.WellnessEntries',
  'DROP TABLE dbo.Athletes',
  'DROP TABLE dbo.Squads',
];
