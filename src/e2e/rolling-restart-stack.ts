/*
 * What the rolling-restart suite runs, on 127.0.0.1: two throw-away databases on TEST_DATABASE_URL's
 * server with the demo's schema and seed, the demo issuer, the real ASP.NET legacy, two sync workers
 * (scripts/sync-worker.ts) and N strangler replicas sharing one public port (REUSE_PORT), each with its
 * own admin port and DATA_DIR, none running the sync itself.
 */
import { copyFile, mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { demoCallers, demoTokenSigner, type DemoCaller } from '../../scripts/demo/demo-callers.ts';
import { prepareDemoDatabases } from '../../scripts/demo/demo-environment.ts';
import { startDemoIssuer } from '../../scripts/demo/demo-issuer.ts';
import { DEMO_AUDIENCE } from '../../scripts/demo/demo-issuer-settings.ts';
import { freePort } from '../../scripts/demo/embedded-postgres.ts';
import { issuerKeysFile } from '../../scripts/demo/issuer/issuer-keys.ts';
import { startLegacyAspnet } from '../../scripts/legacy-aspnet/legacy-aspnet.ts';
import { SOAK_FLAGS, Stops } from '../../scripts/soak/soak-stack.ts';
import { createLogger } from '../observability/logger.ts';
import { startWorkerProcess, type WorkerProcess } from '../sync/testing/sync-worker-process.ts';
import { createTestDatabase } from '../testing/test-database.ts';
import { editFlags } from './flags-file.ts';
import { REPO_ROOT, startStrangler, type StranglerProcess } from './strangler-process.ts';

/** The drain's delay in the suite: long enough to see readiness turn first, short for the test's time. */
export const TEST_SHUTDOWN_DELAY_MS = 300;
/** athletes: the new side owns them (route athletes-update in `new`); wellness entries stay legacy's. */
export const OWNERSHIP = 'athletes=new';

export interface RollingStack {
  readonly port: number;
  readonly newUrl: string;
  readonly legacyUrl: string;
  readonly callers: readonly DemoCaller[];
  readonly replicas: StranglerProcess[];
  readonly workers: WorkerProcess[];
  /** Starts replica `index` (again) on the shared port and resolves once its banner is out. */
  startReplica(index: number): Promise<StranglerProcess>;
  stop(): Promise<void>;
}

export async function startRollingStack(replicaCount: number, workerCount: number): Promise<RollingStack> {
  const stops = new Stops();
  try {
    return await build(stops, replicaCount, workerCount);
  } catch (error: unknown) {
    await stops.stopAll(() => undefined);
    throw error;
  }
}

async function build(stops: Stops, replicaCount: number, workerCount: number): Promise<RollingStack> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'strangler-rolling-'));
  stops.add(() => rm(workDir, { recursive: true, force: true }));
  await chmod(workDir, 0o755);
  const newDb = await createTestDatabase('strangler_rolling');
  stops.add(() => newDb.drop());
  const legacyDb = await createTestDatabase('strangler_rolling_legacy');
  stops.add(() => legacyDb.drop());
  await prepareDemoDatabases(newDb.url, legacyDb.url, createLogger('warn'));

  const keysFile = issuerKeysFile(workDir);
  const issuer = await stops.starting(
    startDemoIssuer({ port: 0, issuer: '', audience: DEMO_AUDIENCE, keysFile }),
  );
  const auth = { issuer: issuer.auth.issuer, audience: DEMO_AUDIENCE };
  const callers = await demoCallers(await demoTokenSigner({ ...auth, keysFile }), 900);
  const legacy = await stops.starting(startLegacyAspnet({ legacyDatabaseUrl: legacyDb.url, port: 0, auth }));

  const workers: WorkerProcess[] = [];
  stops.add(() => Promise.all(workers.map((w) => w.kill('SIGKILL'))));
  for (let i = 0; i < workerCount; i += 1) {
    workers.push(
      await startWorkerProcess({
        DATABASE_URL: newDb.url,
        LEGACY_DATABASE_URL: legacyDb.url,
        SYNC_OWNERSHIP: OWNERSHIP,
        SYNC_RELAY_CONCURRENCY: '1',
        SYNC_BATCH_SIZE: '20',
        // The first applies the legacy side's change-log triggers (and the new side's sync tables).
        ...(i === 0 ? { SYNC_MIGRATE: '1' } : {}),
      }),
    );
  }

  const flagsFile = path.join(workDir, 'flags.json');
  await copyFile(path.join(REPO_ROOT, 'flags', 'flags.json'), flagsFile);
  await editFlags(flagsFile, SOAK_FLAGS);
  const port = await freePort();
  const replicas: StranglerProcess[] = [];
  stops.add(() => Promise.all(replicas.map((r) => r.stop('SIGKILL'))));
  const startReplica = async (index: number): Promise<StranglerProcess> => {
    const replica = await startStrangler({
      dataDir: path.join(workDir, `replica-${index}`),
      flagsFile,
      bannerTimeoutMs: 60_000,
      env: {
        PORT: String(port),
        REUSE_PORT: 'true',
        SYNC_IN_PROCESS: 'false',
        DATABASE_URL: newDb.url,
        LEGACY_DATABASE_URL: legacyDb.url,
        LEGACY_URL: legacy.url.origin,
        AUTH_ISSUER: auth.issuer,
        AUTH_AUDIENCE: auth.audience,
        SHUTDOWN_DELAY_MS: String(TEST_SHUTDOWN_DELAY_MS),
        SHUTDOWN_TIMEOUT_MS: '10000',
        // Three replicas and their shadow sides on a shared two-core machine: shadow on the event loop.
        SHADOW_THREAD: 'false',
        LOG_LEVEL: 'info',
      },
    });
    replicas[index] = replica;
    return replica;
  };
  for (let i = 0; i < replicaCount; i += 1) await startReplica(i);

  return {
    port,
    newUrl: newDb.url,
    legacyUrl: legacyDb.url,
    callers,
    replicas,
    workers,
    startReplica,
    stop: () => stops.stopAll(() => undefined),
  };
}
