import { describe, expect, it } from '@jest/globals';
import type pg from 'pg';

import { inTransaction, withConnection } from './pg-transaction.ts';

/** A pool of one fake connection that records its statements and how it was released. */
function fakePool(failing: ReadonlySet<string> = new Set()) {
  const statements: string[] = [];
  const released: (boolean | undefined)[] = [];
  const client = {
    async query(text: string) {
      statements.push(text);
      if (failing.has(text)) throw new Error(`${text} failed`);
      return { rows: [] };
    },
    release(destroy?: boolean) {
      released.push(destroy);
    },
  };
  const pool = { connect: async () => client as unknown as pg.PoolClient };
  return { pool, statements, released };
}

describe('inTransaction', () => {
  it('commits what the work did and returns its result', async () => {
    const { pool, statements, released } = fakePool();
    const result = await inTransaction(pool, async (client) => {
      await client.query('UPDATE t');
      return 42;
    });
    expect(result).toBe(42);
    expect(statements).toEqual(['BEGIN', 'UPDATE t', 'COMMIT']);
    expect(released).toEqual([false]);
  });

  it('rolls back and rethrows the work’s error, returning the connection to the pool', async () => {
    const { pool, statements, released } = fakePool(new Set(['UPDATE t']));
    const work = inTransaction(pool, async (client) => client.query('UPDATE t'), 'BEGIN READ ONLY');
    await expect(work).rejects.toThrow('UPDATE t failed');
    expect(statements).toEqual(['BEGIN READ ONLY', 'UPDATE t', 'ROLLBACK']);
    expect(released).toEqual([false]);
  });

  it('destroys a connection whose ROLLBACK failed too, and still throws the work’s error', async () => {
    const { pool, released } = fakePool(new Set(['UPDATE t', 'ROLLBACK']));
    await expect(inTransaction(pool, async (client) => client.query('UPDATE t'))).rejects.toThrow(
      'UPDATE t failed',
    );
    expect(released).toEqual([true]);
  });
});

describe('withConnection', () => {
  it('rolls back what the work left open when it throws, and returns the connection to the pool', async () => {
    const { pool, statements, released } = fakePool(new Set(['UPDATE t']));
    const work = withConnection(pool, async (client) => {
      await client.query('BEGIN');
      await client.query('UPDATE t');
    });
    await expect(work).rejects.toThrow('UPDATE t failed');
    expect(statements).toEqual(['BEGIN', 'UPDATE t', 'ROLLBACK']);
    expect(released).toEqual([false]);
  });
});
