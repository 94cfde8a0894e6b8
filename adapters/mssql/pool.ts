import sql from 'mssql';
import type { IsolationLevel } from 'kysely';

import { mssqlPoolConfig } from './connection-config.ts';
import type { MssqlPoolOptions } from './connection-config.ts';
import type { MssqlRequest } from './run-request.ts';

/*
 * One mssql ConnectionPool per legacy database: its limits, timeouts and Azure defaults come from
 * connection-config.ts; tedious retries a login that Azure refuses with a transient error, and the sync's
 * loops back off from anything else (src/sync/backoff.ts). The pool connects on first use, and again
 * after a failed connect, so a process can start while SQL Server is away.
 */

/** The parts of mssql's ConnectionPool and Transaction this adapter uses. */
export interface ConnectionPoolLike {
  readonly connected: boolean;
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  request(): MssqlRequest;
  transaction(): TransactionLike;
}
export interface TransactionLike {
  begin(isolationLevel: number): Promise<unknown>;
  commit(): Promise<unknown>;
  rollback(): Promise<unknown>;
  request(): MssqlRequest;
}

/** kysely's isolation level names → TDS isolation levels. */
export const ISOLATION_LEVELS: Readonly<Record<IsolationLevel, number>> = {
  'read uncommitted': sql.ISOLATION_LEVEL.READ_UNCOMMITTED,
  'read committed': sql.ISOLATION_LEVEL.READ_COMMITTED,
  'repeatable read': sql.ISOLATION_LEVEL.REPEATABLE_READ,
  serializable: sql.ISOLATION_LEVEL.SERIALIZABLE,
  snapshot: sql.ISOLATION_LEVEL.SNAPSHOT,
};

export interface MssqlOpenTransaction {
  request(): MssqlRequest;
  commit(): Promise<void>;
  /** Never throws: a transaction SQL Server already aborted has nothing left to roll back. */
  rollback(): Promise<void>;
}

export interface MssqlPool {
  /** The config the ConnectionPool was created with. */
  readonly config: sql.config;
  request(): Promise<MssqlRequest>;
  begin(isolation: IsolationLevel): Promise<MssqlOpenTransaction>;
  close(): Promise<void>;
}

export function createMssqlPool(
  connection: string,
  options: MssqlPoolOptions = {},
  create: (config: sql.config) => ConnectionPoolLike = (config) => new sql.ConnectionPool(config),
): MssqlPool {
  const config = mssqlPoolConfig(connection, options);
  const pool = create(config);
  let connecting: Promise<unknown> | undefined;
  const connected = async (): Promise<void> => {
    if (pool.connected) return;
    connecting ??= pool.connect().finally(() => (connecting = undefined));
    await connecting;
  };
  return {
    config,
    async request() {
      await connected();
      return pool.request();
    },
    async begin(isolation) {
      await connected();
      const transaction = pool.transaction();
      await transaction.begin(ISOLATION_LEVELS[isolation]);
      return {
        request: () => transaction.request(),
        commit: async () => void (await transaction.commit()),
        rollback: async () => void (await transaction.rollback().catch(() => undefined)),
      };
    },
    async close() {
      // mssql refuses to close a pool that is still connecting.
      await connecting?.catch(() => undefined);
      await pool.close();
    },
  };
}
