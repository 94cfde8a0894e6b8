/**
 * The shadow thread (see shadow-thread.ts): a worker thread that runs the whole shadow side — the new
 * handler or the second legacy call, the comparison, the noise model and the batched writes to the
 * store — with its own heap and, on Linux, a lower CPU priority than the proxy's thread. It receives
 * observed exchanges from the proxy's thread and gives back metric updates and how many calls it has
 * pending.
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { Kysely } from 'kysely';
import { parentPort, workerData } from 'node:worker_threads';

import { openNewDatabase } from '../adapters/database.ts';
import { createLogger, createSilentLogger, errorDetails } from './observability/logger.ts';
import { createAcceptedRulesCache } from './qa-reports/accepted-rules-cache.ts';
import { createPostgresReportStore } from './qa-reports/postgres-report-store.ts';
import type { RouteRecord } from './routing/route.ts';
import { startShadow, type ShadowMetrics } from './shadow/start-shadow.ts';
import {
  COUNTER_PENDING,
  COUNTER_RECEIVED,
  type ShadowThreadData,
  type ShadowThreadPriority,
  type ShadowThreadRoutes,
} from './shadow/thread/shadow-thread-options.ts';
import {
  exchangeFromWire,
  requestFromWire,
  type FromShadowThread,
  type MetricOp,
  type ToShadowThread,
} from './shadow/thread/wire.ts';

if (parentPort === null) throw new Error('shadow-thread-worker.ts runs as a worker thread only');
const port = parentPort;
const data = workerData as ShadowThreadData;
const counters = new Int32Array(data.counters);
const send = (message: FromShadowThread): void => port.postMessage(message);

const priority = lowerPriority(data.priority);

/**
 * Linux schedules threads, not processes: `chrt -p` and setpriority(2) with pid 0 change the calling
 * thread alone, so the proxy's thread keeps its priority. SCHED_IDLE is preempted by any normal task
 * that wakes up; a nice value only weighs the thread's share, and a niced thread that holds the CPU
 * when the proxy wakes may finish its time slice first. Elsewhere a nice value may apply to the whole
 * process, so nothing is changed there.
 */
function lowerPriority(wanted: ShadowThreadPriority): string {
  if (process.platform !== 'linux') return 'unchanged (not Linux)';
  let nice = wanted;
  if (nice === 'idle') {
    try {
      const tid = readlinkSync('/proc/thread-self').split('/').pop() as string;
      execFileSync('chrt', ['--idle', '-p', '0', tid], { stdio: 'ignore', timeout: 5000 });
      return 'SCHED_IDLE';
    } catch {
      // No chrt (util-linux) here: the next best thing.
      nice = 19;
    }
  }
  if (nice === 0) return 'unchanged';
  try {
    setPriority(nice);
    return `nice ${nice}`;
  } catch {
    return 'unchanged (not permitted)';
  }
}

const logger = (data.logLevel === undefined ? createSilentLogger() : createLogger(data.logLevel)).child({
  component: 'shadow',
});

// Metric updates recorded here and applied on the proxy's thread, where `/metrics` is served. Counter
// increments are summed per label set until the next flush (every one applied there costs the proxy's
// thread a label lookup); latencies go one by one into the histogram; the queue gauge needs its last value.
let ops: MetricOp[] = [];
const counts = new Map<
  string,
  { kind: 'comparison' | 'dropped'; labels: Record<string, string>; n: number }
>();
const count = (kind: 'comparison' | 'dropped', labels: Record<string, string>, n: number): void => {
  const key = kind === 'comparison' ? `c\0${labels.route}\0${labels.outcome}` : `d\0${labels.reason}`;
  const entry = counts.get(key);
  if (entry === undefined) counts.set(key, { kind, labels, n });
  else entry.n += n;
};
let queueDepth: number | undefined;
const metrics = {
  shadowComparisons: { inc: (labels: Record<string, string>) => count('comparison', labels, 1) },
  shadowDropped: {
    inc: (labels: Record<string, string>, value = 1) => count('dropped', labels, value),
  },
  shadowLatency: {
    observe: (labels: Record<string, string>, seconds: number) => ops.push(['latency', labels, seconds]),
  },
  shadowQueueDepth: {
    set: (value: number) => {
      queueDepth = value;
    },
  },
} as unknown as ShadowMetrics;
const flushMetrics = (): void => {
  for (const { kind, labels, n } of counts.values()) ops.push([kind, labels, n]);
  counts.clear();
  if (queueDepth !== undefined) ops.push(['queue', queueDepth]);
  queueDepth = undefined;
  if (ops.length === 0) return;
  send({ type: 'metrics', ops });
  ops = [];
};

async function start(): Promise<void> {
  const factoryModule = (await import(data.routes.module)) as Record<string, unknown>;
  const exportName = data.routes.exportName ?? 'createShadowThreadRoutes';
  const factory = factoryModule[exportName];
  if (typeof factory !== 'function')
    throw new Error(`${data.routes.module} exports no function ${exportName}`);
  const routeSet = (await (factory as (options: unknown) => Promise<ShadowThreadRoutes> | ShadowThreadRoutes)(
    data.routes.options,
  )) satisfies ShadowThreadRoutes;
  const routes = new Map<string, RouteRecord>(routeSet.routes.map((route) => [route.id, route]));

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
  const unknownRoutes = new Set<string>();
  const routeOf = (routeId: string): RouteRecord | undefined => {
    const route = routes.get(routeId);
    if (route === undefined) {
      metrics.shadowDropped.inc({ reason: 'unknown_route' });
      if (!unknownRoutes.has(routeId)) {
        unknownRoutes.add(routeId);
        logger.error('shadow thread has no route with this id; its exchanges are dropped', {
          route: routeId,
        });
      }
    }
    return route;
  };

  port.on('message', (message: ToShadowThread) => {
    switch (message.type) {
      case 'request': {
        killSwitch = message.killSwitch;
        const route = routeOf(message.request.routeId);
        if (route !== undefined) shadow.observer.onRequest(requestFromWire(message.request, route));
        Atomics.add(counters, COUNTER_RECEIVED, 1);
        return;
      }
      case 'exchange': {
        killSwitch = message.killSwitch;
        const route = routeOf(message.exchange.routeId);
        if (route !== undefined) shadow.observer.onExchange(exchangeFromWire(message.exchange, route));
        Atomics.add(counters, COUNTER_RECEIVED, 1);
        return;
      }
      case 'rules-changed':
        void (async () => {
          await rules?.refresh();
          send({ type: 'rules-changed', id: message.id });
        })();
        return;
      case 'idle':
        void shadow.observer.idle().then(() => {
          flushMetrics();
          send({ type: 'idle', id: message.id });
        });
        return;
      case 'close':
        void (async () => {
          try {
            await shadow.close();
          } catch (error: unknown) {
            logger.warn('shadow did not close cleanly', { error: errorDetails(error) });
          }
          clearInterval(flushTimer);
          rules?.stop();
          await routeSet.close?.();
          await db.destroy();
          flushMetrics();
          send({ type: 'closed', id: message.id });
          port.close();
        })();
        return;
    }
  });
  logger.info('shadow thread started', { routes: routes.size, priority });
  send({ type: 'ready' });
}

start().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
});
