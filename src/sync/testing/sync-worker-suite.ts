import { afterAll, beforeAll, beforeEach } from '@jest/globals';

import { seedMirrored } from './sync-fixtures.ts';
import { startWorkerProcess } from './sync-worker-process.ts';
import type { WorkerProcess } from './sync-worker-process.ts';
import { createSyncTestDatabases } from './sync-test-databases.ts';
import type { SyncTestDatabases } from './sync-test-databases.ts';

export interface SyncWorkerSuite {
  /** The suite's two databases, from its beforeAll on. */
  readonly dbs: SyncTestDatabases;
  /** The workers the running test started, in order. */
  readonly workers: WorkerProcess[];
  /** Starts scripts/sync-worker.ts against the suite's databases with the suite's env and `extra`. */
  worker(extra?: Record<string, string>): Promise<WorkerProcess>;
}

/**
 * Registers the hooks of a suite of real sync worker processes: its own databases, reset and seeded
 * with `squads` mirrored squads before each test, every worker of a test killed before the next one
 * and at the end. `env` (SYNC_OWNERSHIP, SYNC_ROLE, ...) goes to every worker the suite starts.
 */
export function syncWorkerSuite(options: { squads: number; env: Record<string, string> }): SyncWorkerSuite {
  let databases: SyncTestDatabases | undefined;
  const workers: WorkerProcess[] = [];
  const dbs = (): SyncTestDatabases => {
    if (databases === undefined) throw new Error('the suite has no databases before its beforeAll');
    return databases;
  };
  beforeAll(async () => {
    databases = await createSyncTestDatabases();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    await databases?.close();
  });
  beforeEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill('SIGKILL')));
    await dbs().reset();
    await seedMirrored(dbs().newPool, dbs().legacyPool, { squads: options.squads, athletes: 0 });
  });
  return {
    get dbs() {
      return dbs();
    },
    workers,
    async worker(extra = {}) {
      const started = await startWorkerProcess({
        DATABASE_URL: dbs().newDb.url,
        LEGACY_DATABASE_URL: dbs().legacyDb.url,
        ...options.env,
        ...extra,
      });
      workers.push(started);
      return started;
    },
  };
}
