import { describe, expect, it } from '@jest/globals';

import { MssqlUrlError, parseMssqlUrl, redactMssqlUrl } from './connection-url.ts';
import { tediousConfig } from './dialect.ts';

describe('parseMssqlUrl', () => {
  it('defaults to Azure SQL’s secure settings: TLS on, certificate verified, port 1433', () => {
    const settings = parseMssqlUrl('mssql://app:secret@legacy.database.windows.net/athletes');
    expect(settings).toMatchObject({
      server: 'legacy.database.windows.net',
      port: 1433,
      database: 'athletes',
      userName: 'app',
      password: 'secret',
      encrypt: true,
      trustServerCertificate: false,
      connectTimeoutMs: 30_000,
    });
    const config = tediousConfig(settings);
    expect(config.options).toMatchObject({ encrypt: true, trustServerCertificate: false, useUTC: true });
    // Retrying is connectWithRetry's job (with back-off and 49918), not tedious' fixed-interval retry.
    expect(config.options?.maxRetriesOnTransientErrors).toBe(0);
  });

  it('decodes percent-encoded credentials and reads the options', () => {
    const settings = parseMssqlUrl(
      'mssql://sa:p%40ss%3Aw%2Frd@127.0.0.1:14330/legacy?encrypt=true&trustServerCertificate=true&connectRetries=2&poolMax=4',
    );
    expect(settings).toMatchObject({
      password: 'p@ss:w/rd',
      port: 14330,
      trustServerCertificate: true,
      connectRetries: 2,
      poolMax: 4,
    });
  });

  it('reports every problem at once', () => {
    let caught: unknown;
    try {
      parseMssqlUrl('mssql://host/?encrypt=maybe&poolMax=0&colour=blue');
    } catch (error: unknown) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MssqlUrlError);
    expect((caught as MssqlUrlError).problems).toEqual([
      'unknown parameter "colour"',
      'database name is missing (mssql://…/<database>)',
      'user name is missing',
      'encrypt must be true or false (got "maybe")',
      'poolMax must be an integer between 1 and 1000 (got "0")',
    ]);
  });

  it('never echoes the password in redacted form', () => {
    expect(redactMssqlUrl('mssql://sa:hunter2@db:1433/legacy')).toBe('mssql://sa:***@db:1433/legacy');
  });
});
