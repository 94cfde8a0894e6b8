import { Migrator } from 'kysely/migration';
import type { Kysely } from 'kysely';
import type { Migration, MigrationResultSet } from 'kysely/migration';

/** Where a migration list keeps its own record of what ran, apart from every other list's. */
export interface MigrationTables {
  readonly schema: string;
  readonly table: string;
  readonly lockTable: string;
}

/** A migrator over a fixed list of migrations, under migration tables of its own. */
export function createOwnMigrator(
  db: Kysely<unknown>,
  migrations: Readonly<Record<string, Migration>>,
  tables: MigrationTables,
): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve({ ...migrations }) },
    migrationTableSchema: tables.schema,
    migrationTableName: tables.table,
    migrationLockTableName: tables.lockTable,
  });
}

export class SyncMigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SyncMigrationError';
  }
}

export function throwOnMigrationError(result: MigrationResultSet, what: string): void {
  if (result.error !== undefined) {
    throw new SyncMigrationError(`${what} failed`, { cause: result.error });
  }
}
