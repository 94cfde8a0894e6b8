import { Kysely } from 'kysely';

import type { FlagResolver } from '../../flags/flag-resolver.ts';
import {
  APP_SHADOW_ROUTES_MODULE,
  SHADOW_THREAD_WORKER,
  type AppShadowRoutesOptions,
} from '../app-routes.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { createAcceptedRulesCache } from '../qa-reports/accepted-rules-cache.ts';
import { createPostgresReportStore } from '../qa-reports/postgres-report-store.ts';
import { startShadow, type Shadow } from '../shadow/start-shadow.ts';
import { startShadowThread } from '../shadow/thread/shadow-thread.ts';
import type { Environment } from './environment.ts';
import type { Closer } from './shutdown.ts';

/** Personal data masked in every stored shadow sample: samples are kept for days and shown to QA. */
const PERSONAL_DATA_PATHS = ['$..Email', '$..DateOfBirth', '$..Notes'];

/**
 * Shadow comparison: results batched into PostgreSQL off the client path; QA's accepted differences
 * (reloaded every few seconds, and at once after an accept on this replica) apply to it. By default
 * the whole shadow side runs on a thread of its own at low priority (src/shadow/thread).
 */
export async function startShadowSide(
  config: Config,
  environment: Environment,
  parts: {
    readonly stateDb: Kysely<unknown>;
    readonly reportStore: ReturnType<typeof createPostgresReportStore>;
    readonly flags: FlagResolver;
    readonly outboxOn: boolean;
    readonly metrics: ReturnType<typeof createMetrics>;
    readonly logger: Logger;
    readonly closers: Closer[];
  },
): Promise<{ shadow: Shadow; onRulesChanged: () => Promise<void> }> {
  const { stateDb, reportStore, flags, metrics, logger, closers } = parts;
  // The callers' issuer: a route with a policy runs its new handler for a verified caller only.
  const callers = environment.auth === undefined ? {} : { auth: environment.auth };
  const shadowTuning = {
    redaction: { jsonPaths: PERSONAL_DATA_PATHS },
    // A write's dry run starts early and waits for legacy's answer, which may take LEGACY_TIMEOUT_MS.
    exchangeWaitMs: Math.max(60_000, config.legacyTimeoutMs + 5_000),
    // The sync's tables are in the same database only when a legacy database is known.
    ...(parts.outboxOn ? { syncWaitMs: config.shadowSyncWaitMs } : {}),
  };
  const common = {
    metrics,
    logger: logger.child({ component: 'shadow' }),
    killSwitchOn: () => flags.killSwitchOn(),
  };
  if (config.shadowThread) {
    const thread = await startShadowThread({
      worker: SHADOW_THREAD_WORKER,
      options: {
        routes: {
          module: environment.routes?.shadowThreadModule ?? APP_SHADOW_ROUTES_MODULE,
          options: {
            databaseUrl: environment.databaseUrl,
            outbox: parts.outboxOn,
          } satisfies AppShadowRoutesOptions,
        },
        databaseUrl: environment.databaseUrl,
        legacyUrl: environment.legacyUrl,
        hostHeader: config.hostHeader,
        ...callers,
        logLevel: config.logLevel,
        priority: config.shadowThreadPriority,
        shadow: shadowTuning,
      },
      ...common,
    });
    closers.push(['shadow', () => thread.close()]);
    return { shadow: thread, onRulesChanged: () => thread.rulesChanged() };
  }
  const rulesCache = createAcceptedRulesCache({ store: reportStore, logger });
  await rulesCache.refresh();
  closers.push(['accepted rules', async () => rulesCache.stop()]);
  const shadow = await startShadow({
    db: stateDb,
    legacyUrl: environment.legacyUrl,
    hostHeader: config.hostHeader,
    acceptedDifferences: (routeId) => rulesCache.acceptedDifferences(routeId),
    ...callers,
    ...common,
    ...shadowTuning,
  });
  closers.push(['shadow', () => shadow.close()]);
  return { shadow, onRulesChanged: () => rulesCache.refresh() };
}
