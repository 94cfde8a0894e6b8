/*
 * Change Tracking for the Azure SQL → PostgreSQL sync (src/sync), plus snapshot isolation, which the
 * sync's polling transaction uses so CHANGE_TRACKING_CURRENT_VERSION() and CHANGETABLE() agree
 * (https://learn.microsoft.com/sql/relational-databases/track-changes/work-with-change-tracking-sql-server).
 * ALTER DATABASE cannot run inside a transaction, so this migration runs without one (adapters/migrations.ts)
 * and every statement is guarded to be re-runnable after a partial failure.
 * The PostgreSQL stand-in has no equivalent migration here: its change feed is a trigger-maintained
 * change log owned by the sync (adapters/postgres/sync-*.ts).
 */
const TABLES = ['Squads', 'Athletes', 'WellnessEntries'] as const;

export const transactional = false;

export const up: readonly string[] = [
  `IF NOT EXISTS (SELECT 1 FROM sys.databases WHERE database_id = DB_ID() AND snapshot_isolation_state = 1)
    ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON`,
  `IF NOT EXISTS (SELECT 1 FROM sys.change_tracking_databases WHERE database_id = DB_ID())
    ALTER DATABASE CURRENT SET CHANGE_TRACKING = ON (CHANGE_RETENTION = 7 DAYS, AUTO_CLEANUP = ON)`,
  ...TABLES.map(
    (
      table,
    ) => `IF NOT EXISTS (SELECT 1 FROM sys.change_tracking_tables WHERE object_id = OBJECT_ID(N'dbo.${table}'))
    ALTER TABLE dbo.${table} ENABLE CHANGE_TRACKING WITH (TRACK_COLUMNS_UPDATED = OFF)`,
  ),
];

// The database-level settings stay: other tables or tools may rely on them.
export const down: readonly string[] = TABLES.map(
  (
    table,
  ) => `IF EXISTS (SELECT 1 FROM sys.change_tracking_tables WHERE object_id = OBJECT_ID(N'dbo.${table}'))
    ALTER TABLE dbo.${table} DISABLE CHANGE_TRACKING`,
);
