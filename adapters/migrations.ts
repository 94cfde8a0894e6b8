import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { Migrator, NO_MIGRATIONS } from 'kysely/migration';
import type { Migration, MigrationInfo, MigrationResult } from 'kysely/migration';

import { capabilitiesOf } from './database.ts';
import type { EngineName } from './engine-capabilities.ts';
import * as legacyEntitiesMssql from './mssql/migrations/legacy-0001-entities.ts';
import * as legacyChangeTrackingMssql from './mssql/migrations/legacy-0002-change-tracking.ts';
import * as legacyEntitiesPostgres from './postgres/migrations/legacy-0001-entities.ts';
import * as newEntities from './postgres/migrations/new-0001-entities.ts';
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
}

export const NEW_MIGRATIONS: Readonly<Record<string, StatementMigration>> = {
  '0001-entities': newEntities,
};

export const LEGACY_MIGRATIONS: Readonly<Record<EngineName, Readonly<Record<string, StatementMigration>>>> = {
  postgres: { '0001-entities': legacyEntitiesPostgres },
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

function toMigration(statements: StatementMigration): Migration {
  return {
    async up(db) {
      for (const statement of statements.up) await sql.raw(statement).execute(db);
    },
    async down(db) {
      for (const statement of statements.down) await sql.raw(statement).execute(db);
    },
  };
}

function provider(migrations: Readonly<Record<string, StatementMigration>>) {
  return {
    getMigrations: async (): Promise<Record<string, Migration>> =>
      Object.fromEntries(Object.entries(migrations).map(([name, m]) => [name, toMigration(m)])),
  };
}

export function createNewMigrator(db: Kysely<NewDatabase>): Migrator {
  return new Migrator({
    db,
    provider: provider(NEW_MIGRATIONS),
    migrationTableName: NEW_MIGRATION_TABLE,
    migrationLockTableName: `${NEW_MIGRATION_TABLE}_lock`,
  });
}

export function createLegacyMigrator(db: Kysely<LegacyDatabase>): Migrator {
  const { engine } = capabilitiesOf(db);
  return new Migrator({
    db,
    provider: provider(LEGACY_MIGRATIONS[engine]),
    migrationTableName: LEGACY_MIGRATION_TABLE,
    migrationLockTableName: `${LEGACY_MIGRATION_TABLE}Lock`,
    // SQL Server refuses ALTER DATABASE inside a transaction (legacy-0002-change-tracking.ts).
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
