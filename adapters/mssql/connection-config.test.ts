import { describe, expect, it } from '@jest/globals';

import { engineForUrl } from '../database.ts';
import { MssqlConnectionError, mssqlPoolConfig, redactConnection } from './connection-config.ts';

/** What Azure's portal shows under "Connection strings → ADO.NET". */
const AZURE_ADO_NET =
  'Server=tcp:legacy.database.windows.net,1433;Initial Catalog=athletes;Persist Security Info=False;' +
  'User ID=app;Password={se;cr}}et};MultipleActiveResultSets=False;Encrypt=True;' +
  'TrustServerCertificate=False;Connection Timeout=30;';

function problemsOf(connection: string): readonly string[] {
  try {
    mssqlPoolConfig(connection);
  } catch (error: unknown) {
    if (error instanceof MssqlConnectionError) return error.problems;
    throw error;
  }
  throw new Error('no problem reported');
}

describe('mssqlPoolConfig', () => {
  it('reads Azure’s ADO.NET connection string through mssql, with the pool limits and timeouts set', () => {
    expect(mssqlPoolConfig(AZURE_ADO_NET)).toMatchObject({
      server: 'legacy.database.windows.net',
      port: 1433,
      database: 'athletes',
      user: 'app',
      password: 'se;cr}et',
      connectionTimeout: 30_000,
      requestTimeout: 30_000,
      pool: { max: 10, min: 0, acquireTimeoutMillis: 30_000, idleTimeoutMillis: 30_000 },
      options: { encrypt: true, trustServerCertificate: false, useUTC: true, appName: 'strangler' },
    });
  });

  it('takes pool sizes and timeouts a connection string states over the defaults and the caller’s', () => {
    const config = mssqlPoolConfig(
      'Data Source=db.local,14330;Database=legacy;User Id=sa;Password=x;Encrypt=False;' +
        'Max Pool Size=25;Min Pool Size=2;Connect Timeout=5;Request Timeout=9000',
      { poolMax: 1, applicationName: 'strangler-sync' },
    );
    expect(config).toMatchObject({
      server: 'db.local',
      port: 14330,
      connectionTimeout: 5_000,
      requestTimeout: 9_000,
      pool: { max: 25, min: 2 },
      options: { encrypt: false, trustServerCertificate: false, appName: 'strangler-sync' },
    });
  });

  it('defaults an mssql:// URL to Azure SQL’s secure settings: TLS on, certificate verified, port 1433', () => {
    expect(mssqlPoolConfig('mssql://app:secret@legacy.database.windows.net/athletes')).toMatchObject({
      server: 'legacy.database.windows.net',
      port: 1433,
      database: 'athletes',
      user: 'app',
      password: 'secret',
      connectionTimeout: 30_000,
      pool: { max: 10, min: 0, acquireTimeoutMillis: 30_000, idleTimeoutMillis: 30_000 },
      options: { encrypt: true, trustServerCertificate: false, useUTC: true },
    });
  });

  it('maps an mssql:// URL’s credentials and parameters onto the same config', () => {
    const config = mssqlPoolConfig(
      'mssql://sa:p%40ss%3Aw%2Frd@127.0.0.1:14330/legacy?encrypt=true&trustServerCertificate=true' +
        '&poolMax=4&poolMin=1&poolAcquireTimeout=2000&poolIdleTimeout=60000&connectTimeout=5000' +
        '&requestTimeout=120000&connectRetries=2&connectRetryInterval=1000&appName=reconcile',
      { poolMax: 1 },
    );
    expect(config).toMatchObject({
      password: 'p@ss:w/rd',
      port: 14330,
      connectionTimeout: 5_000,
      requestTimeout: 120_000,
      pool: { max: 4, min: 1, acquireTimeoutMillis: 2_000, idleTimeoutMillis: 60_000 },
      options: {
        trustServerCertificate: true,
        appName: 'reconcile',
        maxRetriesOnTransientErrors: 2,
        connectionRetryInterval: 1_000,
      },
    });
  });

  it('uses the caller’s pool size and application name where the connection names none', () => {
    expect(
      mssqlPoolConfig('mssql://sa:x@db/legacy', { poolMax: 1, applicationName: 'strangler-sync' }),
    ).toMatchObject({ pool: { max: 1 }, options: { appName: 'strangler-sync' } });
  });

  it('reports every problem of an mssql:// URL at once', () => {
    expect(problemsOf('mssql://host/?encrypt=maybe&poolMax=0&colour=blue')).toEqual([
      'database name is missing (mssql://…/<database>)',
      'user name is missing',
      'encrypt must be true or false (got "maybe")',
      'poolMax must be an integer between 1 and 1000 (got "0")',
      'unknown parameter "colour"',
    ]);
  });

  it('reports a connection string without a server or a database', () => {
    expect(problemsOf('Server=;User ID=sa;Password=x')).toEqual([
      'Server (or Data Source) is missing',
      'Initial Catalog (or Database) is missing',
    ]);
  });

  it('makes both forms the SQL Server engine', () => {
    expect(engineForUrl(AZURE_ADO_NET)).toBe('mssql');
    expect(engineForUrl('mssql://sa:x@db/legacy')).toBe('mssql');
    expect(engineForUrl('postgres://u@db/legacy')).toBe('postgres');
  });
});

describe('redactConnection', () => {
  it('never echoes the password, in either form', () => {
    expect(redactConnection('mssql://sa:hunter2@db:1433/legacy')).toBe('mssql://sa:***@db:1433/legacy');
    expect(redactConnection(AZURE_ADO_NET)).toBe(
      AZURE_ADO_NET.replace('Password={se;cr}}et}', 'Password=***'),
    );
    expect(redactConnection('Password=hunter2;Server=db')).toBe('Password=***;Server=db');
  });
});
