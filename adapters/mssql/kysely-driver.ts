import type { CompiledQuery, DatabaseConnection, Driver, QueryResult, TransactionSettings } from 'kysely';

import type { MssqlOpenTransaction, MssqlPool } from './pool.ts';
import { runRequest } from './run-request.ts';
import { compiledQueryInputs } from './typed-inputs.ts';

/*
 * kysely builds and compiles the T-SQL (its MssqlAdapter and MssqlQueryCompiler, dialect.ts); this driver
 * runs what it compiled through mssql: each statement a request with typed inputs, inside an mssql
 * Transaction while kysely has one open. The pool's limits and timeouts are mssql's (pool.ts).
 */

/**
 * kysely's "connection": outside a transaction each statement takes a pooled connection of its own (as
 * `pool.request()` does); inside one, every statement runs on the transaction's connection.
 */
class MssqlPoolConnection implements DatabaseConnection {
  readonly #pool: MssqlPool;
  transaction: MssqlOpenTransaction | undefined;

  constructor(pool: MssqlPool) {
    this.#pool = pool;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const request = this.transaction?.request() ?? (await this.#pool.request());
    const { rows, rowsAffected } = await runRequest(
      request,
      query.sql,
      compiledQueryInputs(query.parameters),
    );
    return { rows: rows as R[], numAffectedRows: BigInt(rowsAffected) };
  }

  // eslint-disable-next-line require-yield -- nothing reads the legacy database as a stream
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on SQL Server');
  }
}

function open(connection: DatabaseConnection): MssqlOpenTransaction {
  const transaction = (connection as MssqlPoolConnection).transaction;
  if (transaction === undefined) throw new Error('no transaction is open on this connection');
  return transaction;
}

export class MssqlPoolDriver implements Driver {
  readonly #pool: MssqlPool;

  constructor(pool: MssqlPool) {
    this.#pool = pool;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new MssqlPoolConnection(this.#pool);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    (connection as MssqlPoolConnection).transaction = await this.#pool.begin(
      settings.isolationLevel ?? 'read committed',
    );
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const transaction = open(connection);
    (connection as MssqlPoolConnection).transaction = undefined;
    await transaction.commit();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const transaction = open(connection);
    (connection as MssqlPoolConnection).transaction = undefined;
    await transaction.rollback();
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    await this.#pool.close();
  }
}
