import type { Kysely } from 'kysely';
import { NO_MIGRATIONS } from 'kysely/migration';
import type { Migrator } from 'kysely/migration';

import { openLegacyDatabase, openNewDatabase } from '../adapters/database.ts';
import { redactConnection } from '../adapters/mssql/connection-config.ts';
import { wantsHelp } from './cli-args.ts';
import { databaseUrlOrDemo } from './demo/demo-database-urls.ts';
import type { LegacyDatabase, NewDatabase } from '../adapters/schema.ts';
import {
  createLegacyMigrator,
  createNewMigrator,
  migrationStatus,
  MigrationFailedError,
} from '../adapters/migrations.ts';

/*
 * Schema migrations of the new side and of the legacy dbo schema (USAGE below;
 * `npm run migrate -- --help`).
 */

function openNew(url: string): { db: Kysely<NewDatabase>; migrator: Migrator } {
  const db = openNewDatabase(url, { poolMax: 1 });
  return { db, migrator: createNewMigrator(db) };
}

function openLegacy(url: string): { db: Kysely<LegacyDatabase>; migrator: Migrator } {
  const db = openLegacyDatabase(url, { poolMax: 1 });
  return { db, migrator: createLegacyMigrator(db) };
}

const USAGE = `usage: npm run migrate -- <new|legacy> <up|down|status>
  new: the new side's schema in DATABASE_URL; legacy: the legacy dbo schema in LEGACY_DATABASE_URL
  (postgres:// for the stand-in; mssql:// or an ADO.NET connection string for SQL Server); unset: the
  running demo's databases in DATA_DIR (default ./data)
  up: apply every pending migration; down: revert every migration; status: list them`;

type Env = Readonly<Record<string, string | undefined>>;

export async function runMigrateCli(
  args: readonly string[],
  env: Env,
  write: (line: string) => void,
): Promise<number> {
  const [target, action] = args;
  if (wantsHelp(args)) {
    write(USAGE);
    return 0;
  }
  if (
    (target !== 'new' && target !== 'legacy') ||
    (action !== 'up' && action !== 'down' && action !== 'status')
  ) {
    write(USAGE);
    return 2;
  }
  const resolved = databaseUrlOrDemo(env, target);
  if ('problem' in resolved) {
    write(resolved.problem);
    return 2;
  }
  const { url, note } = resolved;
  if (note !== undefined) write(note);
  const opened = target === 'new' ? openNew(url) : openLegacy(url);
  const { db, migrator } = opened;
  try {
    if (action === 'status') {
      for (const m of await migrationStatus(migrator)) {
        write(
          `${m.executedAt === undefined ? 'pending ' : 'applied '} ${m.name}${m.executedAt === undefined ? '' : `  ${m.executedAt.toISOString()}`}`,
        );
      }
      return 0;
    }
    const { error, results = [] } =
      action === 'up' ? await migrator.migrateToLatest() : await migrator.migrateTo(NO_MIGRATIONS);
    for (const r of results)
      write(`${r.status.padEnd(8)} ${r.direction.toLowerCase().padEnd(4)} ${r.migrationName}`);
    if (error !== undefined) throw new MigrationFailedError(target, error, results);
    if (results.length === 0) write(action === 'up' ? 'already up to date' : 'nothing to revert');
    return 0;
  } catch (error: unknown) {
    write(
      `${target} ${action} failed on ${redactConnection(url)}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  } finally {
    await db.destroy();
  }
}

if (import.meta.main) {
  process.exitCode = await runMigrateCli(process.argv.slice(2), process.env, (line) => console.log(line));
}
