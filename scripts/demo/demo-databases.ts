import pg from 'pg';

import { DEMO_LEGACY_DATABASE, DEMO_NEW_DATABASE } from './demo-database-urls.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';

/*
 * The demo's two databases on one embedded PostgreSQL: `strangler` for the new schema and
 * proxy state, `strangler_legacy` for the legacy stand-in's dbo schema. Created on first start, reused
 * afterwards; the data lives in dataDir across restarts. Migrating and seeding is the caller's next step
 * (adapters/migrations.ts, scripts/demo/seed.ts).
 */

export interface DemoDatabases {
  /** DATABASE_URL for the demo. */
  readonly newUrl: string;
  /** LEGACY_DATABASE_URL for the demo. */
  readonly legacyUrl: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Creates `name` on the server unless it exists (CREATE DATABASE has no IF NOT EXISTS). */
export async function ensureDatabase(serverUrl: string, name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount !== null && rowCount > 0) return false;
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    return true;
  } finally {
    await client.end();
  }
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function startDemoDatabases(options: {
  dataDir: string;
  port?: number;
  onLog?: (line: string) => void;
}): Promise<DemoDatabases> {
  const server = await startEmbeddedPostgres(options);
  try {
    await ensureDatabase(server.url, DEMO_NEW_DATABASE);
    await ensureDatabase(server.url, DEMO_LEGACY_DATABASE);
  } catch (error: unknown) {
    await server.stop();
    throw error;
  }
  return {
    newUrl: databaseUrl(server.url, DEMO_NEW_DATABASE),
    legacyUrl: databaseUrl(server.url, DEMO_LEGACY_DATABASE),
    port: server.port,
    stop: () => server.stop(),
  };
}
