import type pg from 'pg';

/** A connection or a pool: what runs one statement. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** Rolls back; false when that failed too, and the connection must be destroyed rather than reused. */
export async function rollback(client: Queryable): Promise<boolean> {
  try {
    await client.query('ROLLBACK');
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `work` on a connection of its own and returns what it returns. When `work` throws, whatever
 * transaction it left open is rolled back; when ROLLBACK itself fails the connection is in an unknown
 * state, so it is destroyed rather than handed back to the pool, and the work's error is the one thrown.
 */
export async function withConnection<T>(
  pool: Pick<pg.Pool, 'connect'>,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    return await work(client);
  } catch (error: unknown) {
    broken = !(await rollback(client));
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Runs `work` in one transaction on a connection of its own (withConnection) and returns what it returns. */
export function inTransaction<T>(
  pool: Pick<pg.Pool, 'connect'>,
  work: (client: pg.PoolClient) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  return withConnection(pool, async (client) => {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  });
}
