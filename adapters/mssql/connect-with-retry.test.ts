import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';

import { describe, expect, it } from '@jest/globals';
import * as Tedious from 'tedious';

import { backoffDelayMs } from '../../src/sync/backoff.ts';
import { openLegacyDatabase } from '../database.ts';
import { connectWithRetry, MssqlConnectError } from './connect-with-retry.ts';
import type { ConnectableConnection } from './connect-with-retry.ts';

/**
 * Stands in for a tedious Connection whose login the server rejects with a given error number, the one
 * failure a local test cannot provoke from a real SQL Server (Azure's 40613 "database not available").
 */
class LoginFailingConnection extends EventEmitter implements ConnectableConnection {
  closed = false;
  private readonly outcome: number | 'ok' | Error;
  constructor(outcome: number | 'ok' | Error) {
    super();
    this.outcome = outcome;
  }
  connect(callback: (error?: Error) => void): void {
    setImmediate(() => {
      if (this.outcome === 'ok') return callback();
      if (this.outcome instanceof Error) return callback(this.outcome);
      this.emit('errorMessage', { number: this.outcome, message: `server error ${this.outcome}` });
      callback(Object.assign(new Error('Login failed.'), { code: 'ELOGIN' }));
    });
  }
  close(): void {
    this.closed = true;
  }
}

function scripted(outcomes: (number | 'ok' | Error)[]): {
  create: () => LoginFailingConnection;
  made: LoginFailingConnection[];
} {
  const made: LoginFailingConnection[] = [];
  return {
    made,
    create: () => {
      const next = outcomes.shift();
      if (next === undefined) throw new Error('no more scripted outcomes');
      const connection = new LoginFailingConnection(next);
      made.push(connection);
      return connection;
    },
  };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('connectWithRetry', () => {
  it('retries Azure SQL’s transient login errors with growing delays and returns the connection that worked', async () => {
    const { create, made } = scripted([40613, 49918, 40501, 'ok']);
    const delays: number[] = [];
    const connection = await connectWithRetry(create, {
      retries: 5,
      baseDelayMs: 100,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    expect(connection).toBe(made[3]);
    expect(made.slice(0, 3).every((c) => c.closed)).toBe(true);
    expect(delays).toHaveLength(3);
    // Equal jitter: within [ceiling/2, ceiling], ceiling doubling: 100, 200, 400.
    expect(delays[0]).toBeGreaterThanOrEqual(50);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[2]).toBeGreaterThanOrEqual(200);
    expect(delays[2]).toBeLessThanOrEqual(400);
  });

  it('fails at once on a non-transient error such as bad credentials (18456)', async () => {
    const { create, made } = scripted([18456, 'ok']);
    const error = await connectWithRetry(create, { retries: 5, baseDelayMs: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MssqlConnectError);
    expect(error).toMatchObject({ attempts: 1, serverErrorNumber: 18456 });
    expect((error as Error).message).toContain('not transient');
    expect(made).toHaveLength(1);
  });

  it('gives up after the configured retries', async () => {
    const { create } = scripted([40613, 40613, 40613, 'ok']);
    const error = await connectWithRetry(create, { retries: 2, baseDelayMs: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'MssqlConnectError', attempts: 3, serverErrorNumber: 40613 });
  });

  it('retries a real tedious connection refused by the network, then reports the socket error', async () => {
    const port = await closedPort();
    const retried: number[] = [];
    const config = {
      server: '127.0.0.1',
      authentication: { type: 'default' as const, options: { userName: 'sa', password: 'x' } },
      options: { port, connectTimeout: 2000, maxRetriesOnTransientErrors: 0, encrypt: false },
    };
    const error = await connectWithRetry(() => new Tedious.Connection(config), {
      retries: 2,
      baseDelayMs: 1,
      onRetry: (attempt) => retried.push(attempt),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MssqlConnectError);
    expect(retried).toEqual([1, 2]);
    expect((error as MssqlConnectError).attempts).toBe(3);
    expect(String((error as Error).message)).toMatch(/ECONNREFUSED|Failed to connect/);
  });

  it('is what a legacy Kysely on mssql:// uses: a query fails with the connect error, not a hang', async () => {
    const port = await closedPort();
    const db = openLegacyDatabase(
      `mssql://sa:x@127.0.0.1:${port}/legacy?encrypt=false&connectRetries=1&connectRetryBaseMs=1&connectTimeout=2000`,
    );
    try {
      await expect(db.selectFrom('dbo.Squads').select('SquadId').top(1).execute()).rejects.toThrow(
        /SQL Server connection failed after 2 attempt/,
      );
    } finally {
      await db.destroy();
    }
  });
});

describe('backoffDelayMs', () => {
  it('doubles up to the cap', () => {
    const max = (attempt: number): number => backoffDelayMs(attempt, { baseMs: 500, maxMs: 30_000 }, () => 1);
    expect([1, 2, 3, 4, 10].map(max)).toEqual([500, 1000, 2000, 4000, 30_000]);
  });
});
