/*
 * Sync objects in the legacy database on SQL Server / Azure SQL: the applied-events table that makes a
 * replayed outbox event a no-op. Change Tracking itself (and snapshot isolation, which the change feed's
 * reads use) is enabled by the entity migrations (adapters/mssql/migrations/legacy-0002-change-tracking.ts).
 * Statements are guarded so a partly applied migration can be re-run.
 */
export const SYNC_MIGRATIONS_MSSQL: Readonly<
  Record<string, { readonly up: readonly string[]; readonly down: readonly string[] }>
> = {
  '2026-11-21-001-sync-applied-events': {
    up: [
      `IF OBJECT_ID(N'dbo.SyncAppliedEvents', N'U') IS NULL
  CREATE TABLE dbo.[SyncAppliedEvents] (
    [EventId] uniqueidentifier NOT NULL CONSTRAINT [PK_SyncAppliedEvents] PRIMARY KEY,
    [Entity] varchar(64) NOT NULL,
    [EntityKey] varchar(64) NOT NULL,
    [Version] bigint NOT NULL,
    [AppliedAt] datetime2(7) NOT NULL CONSTRAINT [DF_SyncAppliedEvents_AppliedAt] DEFAULT (SYSUTCDATETIME())
  )`,
    ],
    down: [`IF OBJECT_ID(N'dbo.SyncAppliedEvents', N'U') IS NOT NULL DROP TABLE dbo.[SyncAppliedEvents]`],
  },
  // The relay deletes applied-event records past the outbox's retention, oldest first.
  '2026-11-22-002-sync-applied-events-age': {
    up: [
      `IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'IX_SyncAppliedEvents_AppliedAt' AND object_id = OBJECT_ID(N'dbo.SyncAppliedEvents'))
  CREATE INDEX [IX_SyncAppliedEvents_AppliedAt] ON dbo.[SyncAppliedEvents] ([AppliedAt])`,
    ],
    down: [
      `IF EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'IX_SyncAppliedEvents_AppliedAt' AND object_id = OBJECT_ID(N'dbo.SyncAppliedEvents'))
  DROP INDEX [IX_SyncAppliedEvents_AppliedAt] ON dbo.[SyncAppliedEvents]`,
    ],
  },
  // A lost write's outcome and rows, so a redelivered event reports the loss again (src/sync/kept-outcome.ts).
  '2026-11-22-003-sync-applied-events-outcome': {
    up: [
      `IF COL_LENGTH(N'dbo.SyncAppliedEvents', N'Outcome') IS NULL
  ALTER TABLE dbo.[SyncAppliedEvents] ADD [Outcome] varchar(16) NULL, [Detail] nvarchar(max) NULL`,
    ],
    down: [
      `IF COL_LENGTH(N'dbo.SyncAppliedEvents', N'Outcome') IS NOT NULL
  ALTER TABLE dbo.[SyncAppliedEvents] DROP COLUMN [Outcome], [Detail]`,
    ],
  },
};
