import { Kysely, MssqlAdapter, PostgresAdapter } from 'kysely';
import type { DialectAdapter } from 'kysely';

import type { EngineCapabilities, EngineName } from './engine-capabilities.ts';
import { isMssqlConnectionString } from './mssql/connection-config.ts';
import { createMssqlDialect, mssqlCapabilities } from './mssql/dialect.ts';
import {
  createPostgresDialect,
  postgresCapabilities,
  type PostgresDialectOptions,
} from './postgres/dialect.ts';
import type { LegacyDatabase, NewDatabase } from './schema.ts';

/*
 * The two databases of the migration. The URL scheme picks the engine: postgres:// (the new schema, and
 * the legacy stand-in) or mssql:// — or an ADO.NET connection string — (the real legacy on SQL Server /
 * Azure SQL). Callers that need to know what the engine can do ask capabilitiesOf(db), never the scheme.
 */

export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

export function engineForUrl(url: string): EngineName {
  if (isMssqlConnectionString(url)) return 'mssql';
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new DatabaseUrlError('database URL is not a valid URL');
  }
  if (protocol === 'postgres:' || protocol === 'postgresql:') return 'postgres';
  if (protocol === 'mssql:' || protocol === 'sqlserver:') return 'mssql';
  throw new DatabaseUrlError(`unsupported database URL scheme "${protocol}" (use postgres:// or mssql://)`);
}

export interface OpenDatabaseOptions {
  /** Pool size (PostgreSQL and SQL Server alike). */
  poolMax?: number;
  applicationName?: string;
  /**
   * PostgreSQL only: the server cancels a statement running longer than this, and a query waits at
   * most this long for a pooled connection (node-postgres waits forever by default).
   */
  timeoutMs?: number;
}

/** The new schema lives on PostgreSQL only. */
export function openNewDatabase(url: string, options: OpenDatabaseOptions = {}): Kysely<NewDatabase> {
  if (engineForUrl(url) !== 'postgres')
    throw new DatabaseUrlError('the new database must be PostgreSQL (postgres://)');
  return new Kysely<NewDatabase>({ dialect: createPostgresDialect(url, postgresOptions(options)) });
}

/** The legacy dbo schema: SQL Server / Azure SQL, or its PostgreSQL stand-in. */
export function openLegacyDatabase(url: string, options: OpenDatabaseOptions = {}): Kysely<LegacyDatabase> {
  if (engineForUrl(url) === 'mssql') {
    return new Kysely<LegacyDatabase>({ dialect: createMssqlDialect(url, options) });
  }
  return new Kysely<LegacyDatabase>({
    dialect: createPostgresDialect(url, { ...postgresOptions(options), timestampAsDatetime2: true }),
  });
}

function postgresOptions(options: OpenDatabaseOptions): PostgresDialectOptions {
  return {
    ...(options.poolMax === undefined ? {} : { max: options.poolMax }),
    ...(options.applicationName === undefined ? {} : { applicationName: options.applicationName }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
}

/** Any Kysely instance, whatever its table types. */
export interface AnyKysely {
  getExecutor(): { readonly adapter: DialectAdapter };
}

/** What the engine behind `db` can do (also works for a Kysely built elsewhere, e.g. in a test). */
export function capabilitiesOf(db: AnyKysely): EngineCapabilities {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof MssqlAdapter) return mssqlCapabilities;
  if (adapter instanceof PostgresAdapter) return postgresCapabilities;
  throw new DatabaseUrlError(`unsupported kysely adapter ${adapter.constructor.name}`);
}
