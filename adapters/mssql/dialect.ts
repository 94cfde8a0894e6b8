import { MssqlAdapter, MssqlIntrospector, MssqlQueryCompiler } from 'kysely';
import type { Dialect, Driver } from 'kysely';

import type { EngineCapabilities } from '../engine-capabilities.ts';
import type { MssqlPoolOptions } from './connection-config.ts';
import { MssqlPoolDriver } from './kysely-driver.ts';
import { createMssqlPool } from './pool.ts';

/*
 * SQL Server / Azure SQL: kysely's SQL Server adapter and compiler build the T-SQL, and mssql runs it.
 * This file only wires the pieces: connection config (connection-config.ts), the pool (pool.ts), the
 * driver (kysely-driver.ts).
 */

export const mssqlCapabilities: EngineCapabilities = {
  engine: 'mssql',
  supportsReturning: false,
  supportsOutput: true,
  supportsOnConflict: false,
  supportsMerge: true,
  supportsTop: true,
  maxQueryParameters: 2100,
};

/** kysely's SQL Server dialect with the given driver (compile-tsql.ts gives it one that never connects). */
export function mssqlDialectWith(createDriver: () => Driver): Dialect {
  return {
    createAdapter: () => new MssqlAdapter(),
    createDriver,
    createIntrospector: (db) => new MssqlIntrospector(db),
    createQueryCompiler: () => new MssqlQueryCompiler(),
  };
}

/** The connection string or mssql:// URL is checked here, before anything connects. */
export function createMssqlDialect(connection: string, options: MssqlPoolOptions = {}): Dialect {
  const pool = createMssqlPool(connection, options);
  return mssqlDialectWith(() => new MssqlPoolDriver(pool));
}
