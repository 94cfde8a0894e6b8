import { DummyDriver, Kysely, MssqlAdapter, MssqlIntrospector, MssqlQueryCompiler } from 'kysely';
import type { CompiledQuery, Dialect } from 'kysely';

import type { LegacyDatabase } from '../schema.ts';

/*
 * Azure SQL cannot run on the development machines, so every query the SQL Server adapter sends is
 * compiled here with kysely's own SQL Server compiler, without a connection, and snapshot-tested (and
 * syntax-checked as T-SQL in the tests). Build the query with the same function production uses, pass
 * it in, assert on the SQL and the parameters.
 */

const compileOnlyDialect: Dialect = {
  createAdapter: () => new MssqlAdapter(),
  // DummyDriver never connects: executing a query on this instance returns no rows.
  createDriver: () => new DummyDriver(),
  createIntrospector: (db) => new MssqlIntrospector(db),
  createQueryCompiler: () => new MssqlQueryCompiler(),
};

/** A Kysely that compiles SQL Server queries without a server (its capabilities are SQL Server's). */
export function createTsqlCompiler<DB = LegacyDatabase>(): Kysely<DB> {
  return new Kysely<DB>({ dialect: compileOnlyDialect });
}

export function compileTsql(query: { compile(): CompiledQuery }): CompiledQuery {
  return query.compile();
}
