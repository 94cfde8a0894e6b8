import { describe, expect, it } from '@jest/globals';
import { Kysely, sql as kyselySql } from 'kysely';
import sql from 'mssql';

import { isConnectivityError } from '../../src/sync/connectivity-error.ts';
import { openLegacyDatabase } from '../database.ts';
import { openLegacySyncEngine } from '../open-legacy-sync-engine.ts';
import type { LegacyDatabase } from '../schema.ts';
import { mssqlDialectWith } from './dialect.ts';
import { MssqlPoolDriver } from './kysely-driver.ts';
import { createMssqlPool } from './pool.ts';
import type { ConnectionPoolLike, TransactionLike } from './pool.ts';
import type { MssqlRequest } from './run-request.ts';
import { createMssqlSyncConnector } from './sync-connector.ts';

/** Stands in for mssql's ConnectionPool: records what the adapter asks of it, answers with no rows. */
function recordingPool(failQuery?: string): { pool: ConnectionPoolLike; log: string[] } {
  const log: string[] = [];
  let connected = false;
  const request = (on: string): MssqlRequest => ({
    input: (name, type) => void log.push(`${on} input @${name} ${(type.type as { name: string }).name}`),
    query: async (command) => {
      log.push(`${on} query ${command}`);
      if (command === failQuery) throw new Error('statement failed');
      return { recordsets: [], rowsAffected: [] };
    },
  });
  const transaction = (): TransactionLike => ({
    begin: async (level) => void log.push(`begin ${level}`),
    commit: async () => void log.push('commit'),
    rollback: async () => void log.push('rollback'),
    request: () => request('transaction'),
  });
  const pool: ConnectionPoolLike = {
    get connected() {
      return connected;
    },
    connect: async () => {
      log.push('connect');
      connected = true;
    },
    close: async () => void log.push('close'),
    request: () => request('pool'),
    transaction,
  };
  return { pool, log };
}

const CLOSED_PORT =
  'Server=tcp:127.0.0.1,1;Initial Catalog=legacy;User ID=sa;Password=x;Encrypt=False;Connection Timeout=5';

describe('the mssql pool', () => {
  it('is an mssql ConnectionPool created with the pool limits and timeouts', async () => {
    let created: sql.ConnectionPool | undefined;
    const pool = createMssqlPool(
      'mssql://sa:x@db/legacy?poolMax=3&poolAcquireTimeout=2000&requestTimeout=45000',
      { applicationName: 'reconcile' },
      (config) => (created = new sql.ConnectionPool(config)),
    );
    expect(created).toBeInstanceOf(sql.ConnectionPool);
    // mssql keeps the config it was given on the pool (untyped in @types/mssql).
    expect((created as unknown as { config: sql.config }).config).toMatchObject({
      requestTimeout: 45_000,
      connectionTimeout: 30_000,
      pool: { max: 3, min: 0, acquireTimeoutMillis: 2_000, idleTimeoutMillis: 30_000 },
      options: { encrypt: true, trustServerCertificate: false, appName: 'reconcile' },
    });
    await pool.close();
  });

  it('runs the sync’s transactions at the isolation level asked for, and rolls back a failed one', async () => {
    const { pool, log } = recordingPool('SELECT 2');
    const connector = createMssqlSyncConnector(createMssqlPool('mssql://sa:x@db/legacy', {}, () => pool));
    await connector.transaction('SNAPSHOT', (session) =>
      session.execute({ sql: 'SELECT 1', params: [{ name: 'k', type: 'UniqueIdentifier', value: null }] }),
    );
    const failed = connector.transaction('READ COMMITTED', (session) =>
      session.execute({ sql: 'SELECT 2', params: [] }),
    );
    await expect(failed).rejects.toThrow('statement failed');
    expect(log).toEqual([
      'connect',
      `begin ${sql.ISOLATION_LEVEL.SNAPSHOT}`,
      'transaction input @k UniqueIdentifier',
      'transaction query SELECT 1',
      'commit',
      `begin ${sql.ISOLATION_LEVEL.READ_COMMITTED}`,
      'transaction query SELECT 2',
      'rollback',
    ]);
  });

  it('runs a kysely transaction inside an mssql Transaction at its isolation level', async () => {
    const { pool, log } = recordingPool();
    const driver = new MssqlPoolDriver(createMssqlPool('mssql://sa:x@db/legacy', {}, () => pool));
    const db = new Kysely<LegacyDatabase>({ dialect: mssqlDialectWith(() => driver) });
    await db
      .transaction()
      .setIsolationLevel('serializable')
      .execute((trx) => trx.selectFrom('dbo.Squads').select('SquadId').where('Name', '=', 'A').execute());
    await kyselySql`select ${1} as one`.execute(db);
    await db.destroy();
    expect(log).toEqual([
      'connect',
      `begin ${sql.ISOLATION_LEVEL.SERIALIZABLE}`,
      'transaction input @1 NVarChar',
      'transaction query select "SquadId" from "dbo"."Squads" where "Name" = @1',
      'commit',
      'pool input @1 Int',
      'pool query select @1 as one',
      'close',
    ]);
  });

  it('fails a query on a closed port with an error the sync classifies as connectivity', async () => {
    const db = openLegacyDatabase(CLOSED_PORT);
    try {
      const error = await db
        .selectFrom('dbo.Squads')
        .select('SquadId')
        .execute()
        .catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/Failed to connect to 127\.0\.0\.1:1/);
      expect(isConnectivityError(error)).toBe(true);
    } finally {
      await db.destroy();
    }
  });

  it('fails the sync’s ping on a closed port the same way', async () => {
    const legacy = openLegacySyncEngine('mssql://sa:x@127.0.0.1:1/legacy?encrypt=false&connectTimeout=5000');
    try {
      const error = await legacy.engine.writer.ping().catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/Failed to connect to 127\.0\.0\.1:1/);
      expect(isConnectivityError(error)).toBe(true);
    } finally {
      await legacy.close();
    }
  });
});
