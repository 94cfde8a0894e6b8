import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startEmbeddedPostgres } from '../../scripts/demo/embedded-postgres.ts';

/**
 * The PostgreSQL for `npm test` when TEST_DATABASE_URL is unset (a fresh machine): a throw-away cluster
 * in a temporary directory on a free port, deleted again by stop().
 */
export async function startTestPostgres(): Promise<{ url: string; dataDir: string; stop(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'strangler-test-pg-'));
  try {
    const server = await startEmbeddedPostgres({ dataDir });
    return {
      url: server.url,
      dataDir,
      async stop() {
        try {
          await server.stop();
        } finally {
          await rm(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (error: unknown) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
