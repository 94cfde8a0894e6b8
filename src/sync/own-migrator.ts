import { Migrator } from 'kysely/migration';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** A fixed list of migrations that keeps its own record of what ran, apart from every other list's. */
export interface MigrationList {
  /** For the error when a migration fails. */
  readonly name: string;
  readonly schema: string;
  readonly table: string;
  readonly lockTable: string;
  readonly migrations: Readonly<Record<string, Migration>>;
}

export class SyncMigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SyncMigrationError';
  }
}

/** Runs the list's pending migrations; throws a SyncMigrationError (the failure as its cause) if one fails. */
export async function migrateListToLatest(db: Kysely<unknown>, list: MigrationList): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve({ ...list.migrations }) },
    migrationTableSchema: list.schema,
    migrationTableName: list.table,
    migrationLockTableName: list.lockTable,
  });
  const result = await migrator.migrateToLatest();
  if (result.error !== undefined) {
    throw new SyncMigrationError(`${list.name} failed`, { cause: result.error });
  }
}
