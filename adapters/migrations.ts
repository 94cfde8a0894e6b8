import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { Migrator, NO_MIGRATIONS } from 'kysely/migration';
import type { Migration, MigrationInfo, MigrationResult } from 'kysely/migration';

import { capabilitiesOf } from './database.ts';
import type { EngineName } from './engine-capabilities.ts';
import * as legacyEntitiesMssql from './mssql/migrations/legacy-0001-entities.ts';
import * as legacyChangeTrackingMssql from './mssql/migrations/legacy-0002-change-tracking.ts';
import * as legacyEntitiesPostgres from './postgres/migrations/legacy-0001-entities.ts';
import * as legacyEmailCollationPostgres from './postgres/migrations/legacy-0003-email-collation.ts';
import * as newEntities from './postgres/migrations/new-0001-entities.ts';
import * as newTenantIsolation from './postgres/migrations/new-0002-tenant-isolation.ts';
import * as newEmailCollation from './postgres/migrations/new-0003-email-collation.ts';
import type { LegacyDatabase, NewDatabase } from './schema.ts';

/*
 * Versioned migrations of the entity schemas, in code (no files read at runtime), up and down. Each
 * subsystem has its own kysely Migrator and migration table, so the sync or the shadow store can add
 * theirs without touching this list. Migration names are the same on both legacy engines.
 */

/** A migration as plain SQL statements, so the DDL can be snapshot-tested and parsed as T-SQL. */
export interface StatementMigration {
  readonly up: readonly string[];
  readonly down: readonly string[];
  /** False for statements SQL Server refuses inside a transaction (ALTER DATABASE). Default true. */
  readonly transactional?: boolean;
}

export const NEW_MIGRATIONS: Readonly<Record<string, StatementMigration>> = {
  '0001-entities': newEntities,
  '0002-tenant-isolation': newTenantIsolation,
  '0003-email-collation': newEmailCollation,
};

export const LEGACY_MIGRATIONS: Readonly<Record<EngineName, Readonly<Record<string, StatementMigration>>>> = {
  postgres: { '0001-entities': legacyEntitiesPostgres, '0003-email-collation': legacyEmailCollationPostgres },
  mssql: { '0001-entities': legacyEntitiesMssql, '0002-change-tracking': legacyChangeTrackingMssql },
};

export const NEW_MIGRATION_TABLE = 'strangler_entities_migration';
export const LEGACY_MIGRATION_TABLE = 'StranglerLegacyMigration';

export class MigrationFailedError extends Error {
  readonly results: readonly MigrationResult[];
  constructor(target: string, cause: unknown, results: readonly MigrationResult[]) {
    const failed = results.find((r) => r.status === 'Error');
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`${target} migration ${failed?.migrationName ?? ''} failed: ${detail}`.replace('  ', ' '), {
      cause,
    });
    this.name = 'MigrationFailedError';
    this.results = results;
  }
}

/**
 * `ownTransaction`: the Migrator runs without transactions (SQL Server, see createLegacyMigrator), so
 * each transactional migration opens its own, and a failing CREATE TABLE leaves nothing half-built.
 */
function toMigration(statements: StatementMigration, ownTransaction: boolean): Migration {
  const run = async (db: Kysely<unknown>, list: readonly string[]): Promise<void> => {
    if (ownTransaction && statements.transactional !== false) {
      await db.transaction().execute(async (trx) => {
        for (const statement of list) await sql.raw(statement).execute(trx);
      });
    } else {
      for (const statement of list) await sql.raw(statement).execute(db);
    }
  };
  return { up: (db) => run(db, statements.up), down: (db) => run(db, statements.down) };
}

function provider(migrations: Readonly<Record<string, StatementMigration>>, ownTransaction: boolean) {
  return {
    getMigrations: async (): Promise<Record<string, Migration>> =>
      Object.fromEntries(
        Object.entries(migrations).map(([name, m]) => [name, toMigration(m, ownTransaction)]),
      ),
  };
}

export function createNewMigrator(db: Kysely<NewDatabase>): Migrator {
  return new Migrator({
    db,
    provider: provider(NEW_MIGRATIONS, false),
    migrationTableName: NEW_MIGRATION_TABLE,
    migrationLockTableName: `${NEW_MIGRATION_TABLE}_lock`,
  });
}

export function createLegacyMigrator(db: Kysely<LegacyDatabase>): Migrator {
  const { engine } = capabilitiesOf(db);
  return new Migrator({
    db,
    // SQL Server refuses ALTER DATABASE inside a transaction (legacy-0002-change-tracking.ts): the
    // Migrator runs without one there, and the other migrations open their own.
    provider: provider(LEGACY_MIGRATIONS[engine], engine === 'mssql'),
    migrationTableName: LEGACY_MIGRATION_TABLE,
    migrationLockTableName: `${LEGACY_MIGRATION_TABLE}Lock`,
    disableTransactions: engine === 'mssql',
  });
}

async function run(
  target: string,
  action: Promise<{ error?: unknown; results?: MigrationResult[] }>,
): Promise<MigrationResult[]> {
  const { error, results = [] } = await action;
  if (error !== undefined) throw new MigrationFailedError(target, error, results);
  return results;
}

/** Applies every pending migration; returns what ran (empty when already up to date). */
export function migrateNewToLatest(db: Kysely<NewDatabase>): Promise<MigrationResult[]> {
  return run('new', createNewMigrator(db).migrateToLatest());
}

/** Reverts every migration (down to an empty schema). */
export function migrateNewDown(db: Kysely<NewDatabase>): Promise<MigrationResult[]> {
  return run('new', createNewMigrator(db).migrateTo(NO_MIGRATIONS));
}

export function migrateLegacyToLatest(db: Kysely<LegacyDatabase>): Promise<MigrationResult[]> {
  return run('legacy', createLegacyMigrator(db).migrateToLatest());
}

export function migrateLegacyDown(db: Kysely<LegacyDatabase>): Promise<MigrationResult[]> {
  return run('legacy', createLegacyMigrator(db).migrateTo(NO_MIGRATIONS));
}

export interface MigrationStatus {
  readonly name: string;
  readonly executedAt: Date | undefined;
}

export async function migrationStatus(migrator: Migrator): Promise<MigrationStatus[]> {
  const infos: readonly MigrationInfo[] = await migrator.getMigrations();
  return infos.map((m) => ({ name: m.name, executedAt: m.executedAt }));
}
