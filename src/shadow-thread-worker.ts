/**
 * The shadow thread (see shadow-thread.ts): a worker thread that runs the whole shadow side — the new
 * handler or the second legacy call, the comparison, the noise model and the batched writes to the
 * store — with its own heap and, on Linux, a lower CPU priority than the proxy's thread. It receives
 * observed exchanges from the proxy's thread and gives back metric updates and how many calls it has
 * pending.
 */
import type { Kysely } from 'kysely';
import { parentPort, workerData } from 'node:worker_threads';

import { openNewDatabase } from '../adapters/database.ts';
import { createLogger, createSilentLogger } from './observability/logger.ts';
import { startTracing } from './observability/tracing-sdk.ts';
import { createAcceptedRulesCache } from './qa-reports/accepted-rules-cache.ts';
import { createPostgresReportStore } from './qa-reports/postgres-report-store.ts';
import { startShadow } from './shadow/start-shadow.ts';
import { createBatchedMetrics } from './shadow/thread/batched-metrics.ts';
import { lowerPriority } from './shadow/thread/lower-priority.ts';
import { COUNTER_PENDING, type ShadowThreadData } from './shadow/thread/shadow-thread-options.ts';
import { serveShadowThreadMessages } from './shadow/thread/thread-messages.ts';
import { loadThreadRoutes, routeLookup } from './shadow/thread/thread-routes.ts';
import type { FromShadowThread } from './shadow/thread/wire.ts';

if (parentPort === null) throw new Error('shadow-thread-worker.ts runs as a worker thread only');
const port = parentPort;
const data = workerData as ShadowThreadData;
const counters = new Int32Array(data.counters);
const send = (message: FromShadowThread): void => port.postMessage(message);

const priority = lowerPriority(data.priority);

const logger = (data.logLevel === undefined ? createSilentLogger() : createLogger(data.logLevel)).child({
  component: 'shadow',
});

const { metrics, flush: flushMetrics } = createBatchedMetrics((ops) => send({ type: 'metrics', ops }));

async function start(): Promise<void> {
  // A thread has its own OpenTelemetry globals: the comparison spans need an SDK of their own here.
  const tracing = await startTracing();
  const routeSet = await loadThreadRoutes(data.routes);
  const db = openNewDatabase(data.databaseUrl, { applicationName: 'strangler-shadow', poolMax: 4 });
  const rules =
    data.acceptedRules === false
      ? undefined
      : createAcceptedRulesCache({ store: createPostgresReportStore(db), logger });
  await rules?.refresh();
  let killSwitch = false;
  const shadow = await startShadow({
    // The store types its own tables, whatever else the entity database declares (as in src/main.ts).
    db: db as unknown as Kysely<unknown>,
    legacyUrl: new URL(data.legacyUrl),
    hostHeader: data.hostHeader,
    ...(data.auth === undefined ? {} : { auth: data.auth }),
    metrics,
    logger,
    killSwitchOn: () => killSwitch,
    onPendingChange: (pending) => Atomics.store(counters, COUNTER_PENDING, pending),
    ...(rules === undefined
      ? {}
      : { acceptedDifferences: (routeId: string) => rules.acceptedDifferences(routeId) }),
    ...data.shadow,
  });
  const flushTimer = setInterval(flushMetrics, data.metricsIntervalMs ?? 250);
  serveShadowThreadMessages({
    port,
    shadow,
    counters,
    logger,
    routeOf: routeLookup(routeSet.routes, metrics, logger),
    setKillSwitch: (on) => {
      killSwitch = on;
    },
    reloadRules: async () => {
      await rules?.refresh();
    },
    flushMetrics,
    closeResources: async () => {
      clearInterval(flushTimer);
      rules?.stop();
      await routeSet.close?.();
      await db.destroy();
      await tracing?.shutdown().catch(() => undefined);
    },
  });
  logger.info('shadow thread started', { routes: routeSet.routes.length, priority });
  send({ type: 'ready' });
}

start().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
});
