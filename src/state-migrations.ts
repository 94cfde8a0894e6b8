import { sql, type Kysely } from 'kysely';
import { Migrator, NO_MIGRATIONS, type Migration, type MigrationResult } from 'kysely/migration';

import type { StatementMigration } from '../adapters/migrations.ts';

/** One subsystem's tables in schema `strangler` (proxy state), migrated up to date or all the way down. */
export interface StateMigrations {
  toLatest(db: Kysely<unknown>): Promise<readonly MigrationResult[]>;
  down(db: Kysely<unknown>): Promise<void>;
}

/**
 * Proxy state (shadow store, QA workflow, …) lives in schema `strangler`, each subsystem with its own
 * migration table there, so none edits another's migration list and each rolls back alone.
 */
export function stateMigrations(
  tableName: string,
  statements: Readonly<Record<string, StatementMigration>>,
): StateMigrations {
  const run = async (db: Kysely<unknown>, list: readonly string[]): Promise<void> => {
    for (const statement of list) await sql.raw(statement).execute(db);
  };
  const migrations: Record<string, Migration> = Object.fromEntries(
    Object.entries(statements).map(([name, m]) => [
      name,
      { up: (db: Kysely<unknown>) => run(db, m.up), down: (db: Kysely<unknown>) => run(db, m.down) },
    ]),
  );
  const migratorFor = (db: Kysely<unknown>): Migrator =>
    new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      migrationTableSchema: 'strangler',
      migrationTableName: tableName,
      migrationLockTableName: `${tableName}_lock`,
    });
  const check = (error: unknown): void => {
    if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
  };
  return {
    async toLatest(db) {
      // The Migrator creates its own table inside `strangler` before the first migration could.
      await sql`CREATE SCHEMA IF NOT EXISTS strangler`.execute(db);
      const { error, results } = await migratorFor(db).migrateToLatest();
      check(error);
      return results ?? [];
    },
    async down(db) {
      const { error } = await migratorFor(db).migrateTo(NO_MIGRATIONS);
      check(error);
    },
  };
}
