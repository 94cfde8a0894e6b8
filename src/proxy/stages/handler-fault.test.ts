import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

import { createTestDatabase, type TestDatabase } from '../../testing/test-database.ts';
import { handlerFault } from './handler-fault.ts';

/** What a query on a real PostgreSQL threw. */
async function thrownBy(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error: unknown) {
    return error;
  }
  throw new Error('the query did not fail');
}

describe('whose fault a handler failure is, from what a real PostgreSQL throws', () => {
  let database: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase('handler_fault');
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    await pool.query(
      `CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL, score int CHECK (score BETWEEN 1 AND 5))`,
    );
    await pool.query(`INSERT INTO t VALUES (1, 'a', 1)`);
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it.each([
    ['a NUL in a text value (22021)', 'INSERT INTO t VALUES (2, $1, 1)', ['a\u0000b']],
    ['a NUL in a jsonb string (22P05)', 'SELECT $1::jsonb', ['"a\\u0000b"']],
    ['a value out of range (22003)', 'SELECT $1::int', ['99999999999']],
    ['a date that does not exist (22008)', 'SELECT $1::date', ['2026-02-30']],
    ['a duplicate key (23505)', "INSERT INTO t VALUES (1, 'b', 1)", []],
    ['a check the value breaks (23514)', "INSERT INTO t VALUES (3, 'c', 9)", []],
  ])("%s is the client's input", async (_name, text, values) => {
    expect(handlerFault(await thrownBy(() => pool.query(text, values)))).toBe('client-input');
  });

  it('a NOT NULL the handler did not check (23502) is a server fault', async () => {
    const error = await thrownBy(() => pool.query('INSERT INTO t VALUES (4, NULL, 1)'));
    expect(handlerFault(error)).toBe('server');
  });

  it('a connection lost mid-statement is a server fault: the write may have happened', async () => {
    const client = await pool.connect();
    client.on('error', () => undefined);
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const running = thrownBy(() => client.query('SELECT pg_sleep(5)'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await pool.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
    expect(handlerFault(await running)).toBe('server');
    client.release(true);
  });

  it('a database that refuses connections is unavailable', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const down = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/x`, max: 1 });
    expect(handlerFault(await thrownBy(() => down.query('SELECT 1')))).toBe('unavailable');
    await down.end();
  });

  it('a server with no connection slot left (53300) is unavailable', async () => {
    const role = `handler_fault_${process.pid}`;
    await pool.query(`CREATE ROLE ${role} LOGIN PASSWORD 'x' CONNECTION LIMIT 0`);
    const url = new URL(database.url);
    url.username = role;
    url.password = 'x';
    const full = new pg.Pool({ connectionString: url.toString(), max: 1 });
    try {
      expect(handlerFault(await thrownBy(() => full.query('SELECT 1')))).toBe('unavailable');
    } finally {
      await full.end();
      await pool.query(`DROP ROLE ${role}`);
    }
  });

  it('a pool that cannot get a connection in time is unavailable', async () => {
    // Accepts the TCP connection and never answers, as a hung server or a black-holed network does.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const hung = new pg.Pool({
      connectionString: `postgres://postgres@127.0.0.1:${port}/x`,
      max: 1,
      connectionTimeoutMillis: 200,
    });
    expect(handlerFault(await thrownBy(() => hung.query('SELECT 1')))).toBe('unavailable');
    await hung.end();
    silent.close();
  });

  it('anything else is a server fault', () => {
    expect(handlerFault(new Error('bug'))).toBe('server');
    expect(handlerFault('not an error')).toBe('server');
  });
});
