import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

/**
 * A kysely instance for a test database. Idle pool clients can be terminated from outside (another
 * suite's `DROP DATABASE … WITH (FORCE)`, a server restart); pg reports that as an `error` event that
 * would crash the test run if nobody listened. The next query simply opens a new connection.
 */
export function openTestKysely(url: string, max = 2): Kysely<unknown> {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => undefined);
  return new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
}
