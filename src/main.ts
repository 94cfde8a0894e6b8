/**
 * The composition root (docs/architecture.md): the only module that sees everything and the only one that
 * builds stores and services. `node src/main.ts` runs it on what the configuration names; `npm start`
 * (scripts/demo/start.ts) runs it after starting the demo's parts for whatever is not configured
 * (embedded PostgreSQL, seeded data, a legacy: the ASP.NET Core app or the TypeScript stand-in).
 */

import { Kysely } from 'kysely';

import { openNewDatabase } from '../adapters/database.ts';
import { migrateNewToLatest } from '../adapters/migrations.ts';
import { createFlagResolver } from '../flags/create-flag-resolver.ts';
import { createAppRoutes } from './app-routes.ts';
import { ConfigError, loadConfig } from './config.ts';
import type { Config } from './config.ts';
import { createLogger, errorDetails } from './observability/logger.ts';
import type { Logger } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { startTracing } from './observability/tracing-sdk.ts';
import { createPostgresReportStore } from './qa-reports/postgres-report-store.ts';
import { migrateQaReportsToLatest } from './qa-reports/qa-migrations.ts';
import { createRouteTable } from './routing/route-table.ts';
import type { RouteRecord, RouteTable } from './routing/route.ts';
import { RouteValidationError } from './routing/route-validation-error.ts';
import { shadowRuleProblems } from './shadow/shadow-runner.ts';
import { migrateShadowStoreToLatest } from './shadow/store/shadow-migrations.ts';
import { startSync } from './composition/sync.ts';
import { startShadowSide } from './composition/shadow.ts';
import { startAdmin, startPublicPort } from './composition/ports.ts';
import { startCallerIdentity } from './composition/caller-identity.ts';
import { printBanner, addressInUseHint } from './composition/banner.ts';
import { type Closer, installShutdown, type Lifecycle } from './composition/shutdown.ts';
import { AlreadyRunningError } from './composition/data-dir-lock.ts';
import {
  configuredEnvironment,
  type Environment,
  type EnvironmentStarter,
} from './composition/environment.ts';

/** The route table, or one error listing every problem: the records' and their comparison rules' at once. */
function routeTableOrAllProblems(records: readonly RouteRecord[]): RouteTable {
  const ruleProblems = shadowRuleProblems(records);
  let routes: RouteTable;
  try {
    routes = createRouteTable(records);
  } catch (error: unknown) {
    if (error instanceof RouteValidationError)
      throw new RouteValidationError([...error.problems, ...ruleProblems]);
    throw error;
  }
  if (ruleProblems.length > 0) throw new RouteValidationError(ruleProblems);
  return routes;
}

export async function main(startEnvironment: EnvironmentStarter): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  const metrics = createMetrics();
  const closers: Closer[] = [];
  const lifecycle = installShutdown(closers, logger, config.shutdown);

  try {
    // First registered, so closed last: the spans of everything stopped before it are exported.
    const tracing = await startTracing();
    if (tracing !== undefined) closers.push(['tracing', () => tracing.shutdown()]);
    const demo = await startEnvironment(config, logger);
    closers.push(['environment', () => demo.stop()]);
    await run(config, demo, logger, metrics, { closers, lifecycle });
    await lifecycle.startupFinished();
  } catch (error: unknown) {
    if (error instanceof AlreadyRunningError) {
      // Nothing was started: the one sentence, and no "stopped" line for a run that never was.
      console.error(error.message);
      process.exit(1);
    }
    if (error instanceof RouteValidationError || error instanceof ConfigError) {
      console.error(error.message);
    } else {
      logger.error('strangler failed to start', { error: errorDetails(error) });
      const hint = addressInUseHint(error, config);
      if (hint !== undefined) console.error(hint);
    }
    await lifecycle.shutdown(1);
  }
}

async function run(
  config: Config,
  demo: Environment,
  logger: Logger,
  metrics: ReturnType<typeof createMetrics>,
  { closers, lifecycle }: { closers: Closer[]; lifecycle: Lifecycle },
): Promise<void> {
  const legacyUrl = demo.legacyUrl;
  const newDb = openNewDatabase(demo.databaseUrl, { applicationName: 'strangler' });
  closers.push(['database', () => newDb.destroy()]);
  // Proxy state (schema `strangler`) shares the new database's pool; each subsystem types its own tables.
  const stateDb = newDb as unknown as Kysely<unknown>;

  // strangler's own tables (schema `strangler`) always follow the code; each set has its own migrator
  // and lock, so N replicas starting at once are safe. The entity schema migrates here too unless
  // MIGRATE_ON_START=false (then run `npm run migrate -- new up` as a deploy step).
  if (config.migrateOnStart) await migrateNewToLatest(newDb);
  await migrateShadowStoreToLatest(stateDb);
  await migrateQaReportsToLatest(stateDb);

  const { sync, syncApi, outboxOn } = await startSync(config, demo, stateDb, metrics, logger, closers);
  // Stopped after the ports and the shadow side, so it carries the outbox rows written while draining.
  if (sync !== undefined) closers.push(['sync', () => sync.stop()]);
  const declared = createAppRoutes(newDb, outboxOn);
  const routes = routeTableOrAllProblems(demo.routes?.decorate(declared) ?? declared);
  const verifier = await startCallerIdentity(demo.auth, routes, logger);
  const flags = await createFlagResolver({
    unleash: config.unleash,
    flagsFile: config.flagsFile,
    backupDir: config.flagsBackupDir,
    logger: logger.child({ component: 'flags' }),
  });
  closers.push(['flags', () => flags.stop()]);

  const reportStore = createPostgresReportStore(newDb);
  const { shadow, onRulesChanged } = await startShadowSide(config, demo, {
    stateDb,
    reportStore,
    flags,
    outboxOn,
    metrics,
    logger,
    closers,
  });

  const adminAddress = await startAdmin(config, {
    legacyUrl,
    routes,
    flags,
    reportStore,
    syncApi,
    newDb,
    onRulesChanged,
    metrics,
    logger,
    closers,
    stopping: lifecycle.stopping,
  });

  const publicPort = await startPublicPort(config, {
    legacyUrl,
    routes,
    flags,
    observer: shadow.observer,
    verifier,
    metrics,
    logger,
    closers,
    lifecycle,
  });

  sync?.start();

  printBanner(config, demo, {
    publicPort,
    adminAddress,
    syncState: sync !== undefined ? 'on' : outboxOn ? 'outbox-only' : 'off',
  });
}

function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error: unknown) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main(configuredEnvironment);
