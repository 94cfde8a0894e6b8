import pg from 'pg';
import { testServerUrl, type TestDatabase } from '../testing/test-database.ts';

/**
 * Drops a test database once its sessions are gone. pg's pool.end() resolves before the server has
 * finished closing the backends; DROP … WITH (FORCE) then terminates them and the "terminating
 * connection due to administrator command" that reaches an already released client is an unhandled
 * 'error' event that fails the suite. Waiting (bounded) for pg_stat_activity to empty avoids it.
 */
export async function dropWhenDisconnected(database: TestDatabase, timeoutMs = 5000): Promise<void> {
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await admin.query<{ n: string }>(
        'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1',
        [database.name],
      );
      if (Number(rows[0]?.n ?? 0) === 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    await admin.end();
  }
  await database.drop();
}
