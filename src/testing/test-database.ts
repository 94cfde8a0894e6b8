import pg from 'pg';

/**
 * A throw-away PostgreSQL database per test suite, so suites can run in parallel and leave nothing
 * behind. The server comes from TEST_DATABASE_URL (CI: the machine's PostgreSQL), or from the embedded
 * PostgreSQL that jest's global setup starts when it is unset (it then sets TEST_DATABASE_URL).
 */
export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

export function testServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (url === undefined || url === '') {
    throw new Error('TEST_DATABASE_URL is not set (jest global setup sets it; run tests through `npm test`)');
  }
  return url;
}

export async function createTestDatabase(prefix = 'strangler_test'): Promise<TestDatabase> {
  const server = testServerUrl();
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`.toLowerCase();
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      try {
        // pool.end() resolves before the server has closed the backends; DROP … WITH (FORCE) would then
        // terminate them, and the "terminating connection due to administrator command" reaching an
        // already released client is an unhandled 'error' that fails the suite. Wait (bounded) first.
        const deadline = Date.now() + 5000;
        for (;;) {
          const { rows } = await c.query<{ n: string }>(
            'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1',
            [name],
          );
          if (Number(rows[0]?.n ?? 0) === 0 || Date.now() > deadline) break;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
