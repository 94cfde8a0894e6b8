-- Generated from scripts/legacy-aspnet/Legacy.Api/Data/LegacyDbContext.cs by `npm run legacy-aspnet:schema`;
-- edit the model, not this file.
CREATE TABLE [dbo].[Organisations] (
    [OrganisationId] uniqueidentifier NOT NULL,
    [Name] nvarchar(100) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    [CreatedAt] datetime2(7) NOT NULL DEFAULT (SYSUTCDATETIME()),
    [Version] bigint NOT NULL DEFAULT (1),
    CONSTRAINT [PK_Organisations] PRIMARY KEY ([OrganisationId])
);
GO


CREATE TABLE [dbo].[Squads] (
    [SquadId] uniqueidentifier NOT NULL,
    [OrganisationId] uniqueidentifier NOT NULL,
    [Name] nvarchar(100) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    [Sport] nvarchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    [CreatedAt] datetime2(7) NOT NULL DEFAULT (SYSUTCDATETIME()),
    [Version] bigint NOT NULL DEFAULT (1),
    CONSTRAINT [PK_Squads] PRIMARY KEY ([SquadId]),
    CONSTRAINT [FK_Squads_Organisations] FOREIGN KEY ([OrganisationId]) REFERENCES [dbo].[Organisations] ([OrganisationId])
);
GO


CREATE TABLE [dbo].[Athletes] (
    [AthleteId] uniqueidentifier NOT NULL,
    [SquadId] uniqueidentifier NOT NULL,
    [FirstName] nvarchar(100) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    [LastName] nvarchar(100) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    [Email] nvarchar(256) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL,
    [DateOfBirth] date NOT NULL,
    [Position] nvarchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    [IsActive] bit NOT NULL DEFAULT (1),
    [CreatedAt] datetime2(7) NOT NULL DEFAULT (SYSUTCDATETIME()),
    [UpdatedAt] datetime2(7) NOT NULL DEFAULT (SYSUTCDATETIME()),
    [Version] bigint NOT NULL DEFAULT (1),
    CONSTRAINT [PK_Athletes] PRIMARY KEY ([AthleteId]),
    CONSTRAINT [FK_Athletes_Squads] FOREIGN KEY ([SquadId]) REFERENCES [dbo].[Squads] ([SquadId])
);
GO


CREATE TABLE [dbo].[WellnessEntries] (
    [WellnessEntryId] uniqueidentifier NOT NULL,
    [AthleteId] uniqueidentifier NOT NULL,
    [EntryDate] date NOT NULL,
    [Sleep] tinyint NOT NULL,
    [Soreness] tinyint NOT NULL,
    [Fatigue] tinyint NOT NULL,
    [Stress] tinyint NOT NULL,
    [Mood] tinyint NOT NULL,
    [Score] decimal(3,1) NOT NULL,
    [Notes] nvarchar(500) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
    [CreatedAt] datetime2(7) NOT NULL DEFAULT (SYSUTCDATETIME()),
    [Version] bigint NOT NULL DEFAULT (1),
    CONSTRAINT [PK_WellnessEntries] PRIMARY KEY ([WellnessEntryId]),
    CONSTRAINT [CK_WellnessEntries_Fatigue] CHECK (Fatigue BETWEEN 1 AND 5),
    CONSTRAINT [CK_WellnessEntries_Mood] CHECK (Mood BETWEEN 1 AND 5),
    CONSTRAINT [CK_WellnessEntries_Sleep] CHECK (Sleep BETWEEN 1 AND 5),
    CONSTRAINT [CK_WellnessEntries_Soreness] CHECK (Soreness BETWEEN 1 AND 5),
    CONSTRAINT [CK_WellnessEntries_Stress] CHECK (Stress BETWEEN 1 AND 5),
    CONSTRAINT [FK_WellnessEntries_Athletes] FOREIGN KEY ([AthleteId]) REFERENCES [dbo].[Athletes] ([AthleteId])
);
GO


CREATE INDEX [IX_Athletes_SquadId] ON [dbo].[Athletes] ([SquadId]);
GO


CREATE UNIQUE INDEX [UX_Athletes_Email] ON [dbo].[Athletes] ([Email]);
GO


CREATE INDEX [IX_Squads_OrganisationId] ON [dbo].[Squads] ([OrganisationId]);
GO


CREATE UNIQUE INDEX [UQ_WellnessEntries_AthleteId_EntryDate] ON [dbo].[WellnessEntries] ([AthleteId], [EntryDate]);
GO
