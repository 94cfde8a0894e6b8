import type { MssqlPool } from './pool.ts';
import { runRequest } from './run-request.ts';
import type { MssqlConnector } from './sync-session.ts';
import { statementInputs } from './typed-inputs.ts';

/*
 * Runs the sync's typed statements (sync-session.ts) on SQL Server: each transaction is an mssql
 * Transaction at the isolation level the caller names, each statement a request with the exact type the
 * builder chose for every parameter. Not exercised against a server here (SQL Server cannot run on these
 * machines): its statements are snapshot-tested, its inputs and isolation levels unit-tested.
 */
export function createMssqlSyncConnector(pool: MssqlPool): MssqlConnector {
  return {
    async transaction(isolation, work) {
      const transaction = await pool.begin(isolation === 'SNAPSHOT' ? 'snapshot' : 'read committed');
      try {
        const result = await work({
          execute: async (statement) =>
            (await runRequest(transaction.request(), statement.sql, statementInputs(statement.params))).rows,
        });
        await transaction.commit();
        return result;
      } catch (error: unknown) {
        await transaction.rollback();
        throw error;
      }
    },
    async ping() {
      await runRequest(await pool.request(), 'SELECT 1 AS [ok]', []);
    },
  };
}
