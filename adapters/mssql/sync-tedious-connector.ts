import * as Tedious from 'tedious';

import { connectWithRetry } from './connect-with-retry.ts';
import { parseMssqlUrl } from './connection-url.ts';
import { tediousConfig } from './dialect.ts';
import type {
  MssqlConnector,
  MssqlIsolation,
  MssqlParam,
  MssqlSession,
  MssqlStatement,
} from './sync-session.ts';

/*
 * Runs the sync's typed statements (sync-session.ts) on SQL Server over tedious, each transaction on a
 * connection of a small pool. Parameters are added with the exact tedious type the builder chose; no
 * type is ever inferred from a JS value. Not exercised against a server here (SQL Server cannot run on
 * these machines): type-checked, and its statements are snapshot-tested.
 */
const TYPES: Record<MssqlParam['type'], (typeof Tedious.TYPES)[keyof typeof Tedious.TYPES]> = {
  UniqueIdentifier: Tedious.TYPES.UniqueIdentifier,
  NVarChar: Tedious.TYPES.NVarChar,
  VarChar: Tedious.TYPES.VarChar,
  DateTime2: Tedious.TYPES.DateTime2,
  Date: Tedious.TYPES.Date,
  Bit: Tedious.TYPES.Bit,
  TinyInt: Tedious.TYPES.TinyInt,
  Int: Tedious.TYPES.Int,
  BigInt: Tedious.TYPES.BigInt,
};

/** TDS isolation level codes (tedious' ISOLATION_LEVEL: READ_COMMITTED = 2, SNAPSHOT = 5). */
const ISOLATION: Record<MssqlIsolation, number> = {
  'READ COMMITTED': Tedious.ISOLATION_LEVEL.READ_COMMITTED ?? 2,
  SNAPSHOT: Tedious.ISOLATION_LEVEL.SNAPSHOT ?? 5,
};

function execute(
  connection: Tedious.Connection,
  statement: MssqlStatement,
): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const rows: Record<string, unknown>[] = [];
    const request = new Tedious.Request(statement.sql, (error) => (error ? reject(error) : resolve(rows)));
    for (const p of statement.params) {
      request.addParameter(p.name, TYPES[p.type], p.value, {
        ...(p.length === undefined ? {} : { length: p.length }),
        ...(p.scale === undefined ? {} : { scale: p.scale }),
      });
    }
    request.on('row', (columns: { metadata: { colName: string }; value: unknown }[]) => {
      const row: Record<string, unknown> = {};
      for (const column of columns) row[column.metadata.colName] = column.value;
      rows.push(row);
    });
    connection.execSql(request);
  });
}

const callback =
  (resolve: () => void, reject: (error: Error) => void) =>
  (error?: Error | null): void =>
    error ? reject(error) : resolve();

export function createTediousConnector(url: string): MssqlConnector & { close(): void } {
  const settings = parseMssqlUrl(url);
  const idle: Tedious.Connection[] = [];
  const open = (): Promise<Tedious.Connection> =>
    connectWithRetry(() => new Tedious.Connection(tediousConfig(settings)), {
      retries: settings.connectRetries,
      baseDelayMs: settings.connectRetryBaseMs,
    });
  const acquire = async (): Promise<Tedious.Connection> => idle.pop() ?? (await open());
  const release = (connection: Tedious.Connection, healthy: boolean): void => {
    if (healthy && idle.length < settings.poolMax) idle.push(connection);
    else connection.close();
  };

  return {
    async transaction<T>(isolation: MssqlIsolation, work: (session: MssqlSession) => Promise<T>): Promise<T> {
      const connection = await acquire();
      let healthy = true;
      try {
        await new Promise<void>((resolve, reject) =>
          connection.beginTransaction(callback(resolve, reject), 'sync', ISOLATION[isolation]),
        );
        try {
          const result = await work({ execute: (statement) => execute(connection, statement) });
          await new Promise<void>((resolve, reject) =>
            connection.commitTransaction(callback(resolve, reject)),
          );
          return result;
        } catch (error: unknown) {
          await new Promise<void>((resolve) => connection.rollbackTransaction(() => resolve()));
          throw error;
        }
      } catch (error: unknown) {
        healthy = false;
        throw error;
      } finally {
        release(connection, healthy);
      }
    },
    async ping(): Promise<void> {
      const connection = await acquire();
      let healthy = true;
      try {
        await execute(connection, { sql: 'SELECT 1 AS [ok]', params: [] });
      } catch (error: unknown) {
        healthy = false;
        throw error;
      } finally {
        release(connection, healthy);
      }
    },
    close(): void {
      for (const connection of idle.splice(0)) connection.close();
    },
  };
}
