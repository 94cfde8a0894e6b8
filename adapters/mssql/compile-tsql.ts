import { DummyDriver, Kysely } from 'kysely';
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from 'kysely';

import type { LegacyDatabase } from '../schema.ts';
import { mssqlDialectWith } from './dialect.ts';

/*
 * Azure SQL cannot run on the development machines, so every query the SQL Server adapter sends is
 * compiled here with kysely's own SQL Server compiler, without a connection, and snapshot-tested (and
 * syntax-checked as T-SQL in the tests). Build the query with the same function production uses, pass
 * it in, assert on the SQL and the parameters.
 */

// DummyDriver never connects: executing a query on this instance returns no rows.
const compileOnlyDialect = mssqlDialectWith(() => new DummyDriver());

/** A Kysely that compiles SQL Server queries without a server (its capabilities are SQL Server's). */
export function createTsqlCompiler<DB = LegacyDatabase>(): Kysely<DB> {
  return new Kysely<DB>({ dialect: compileOnlyDialect });
}

export function compileTsql(query: { compile(): CompiledQuery }): CompiledQuery {
  return query.compile();
}

/**
 * A Kysely on SQL Server's compiler whose "server" records every statement sent to it (and the
 * transaction boundaries as 'BEGIN TRANSACTION' / 'COMMIT' / 'ROLLBACK') and answers with no rows. For
 * checking what a multi-statement operation, such as a kysely Migrator run, would send to SQL Server.
 */
export function createTsqlRecorder<DB = LegacyDatabase>(): { db: Kysely<DB>; statements: string[] } {
  const statements: string[] = [];
  const connection: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      statements.push(query.sql);
      return { rows: [] };
    },
    // eslint-disable-next-line require-yield -- no rows to stream
    async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
      statements.push(query.sql);
    },
  };
  const driver: Driver = {
    init: async () => undefined,
    acquireConnection: async () => connection,
    beginTransaction: async () => void statements.push('BEGIN TRANSACTION'),
    commitTransaction: async () => void statements.push('COMMIT'),
    rollbackTransaction: async () => void statements.push('ROLLBACK'),
    releaseConnection: async () => undefined,
    destroy: async () => undefined,
  };
  const db = new Kysely<DB>({ dialect: mssqlDialectWith(() => driver) });
  return { db, statements };
}
