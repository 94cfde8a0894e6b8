/**
 * The shadow side on a thread of its own (SHADOW_THREAD, on by default). In shadow mode every sampled
 * request costs the new handler's call, a structural comparison and a batched write; run on the
 * proxy's event loop, that work shares the CPU, the heap and the garbage collector with the clients'
 * requests, and a client whose request arrives while it runs waits for it. Here the proxy's thread
 * only decides the sample, copies the captured bytes once and posts them; the shadow thread
 * (src/shadow-thread-worker.ts) does the rest with its own heap and, on Linux, at the lowest CPU priority
 * (SHADOW_THREAD_PRIORITY, default SCHED_IDLE), so it runs in the time the proxy leaves idle and
 * yields the CPU whenever a client's request needs it.
 *
 * Bounded like the in-process runner: the shadow thread shares two counters with the proxy's thread
 * (messages received, calls running or queued), and the proxy stops capturing (counted as
 * `queue_full` drops) once the calls pending plus the messages still in flight reach the runner's
 * concurrency plus its queue. A shadow thread starved of CPU therefore costs dropped comparisons,
 * never memory or client latency. If the thread dies, shadowing stops with an error in the log and
 * starts again with a new thread a few seconds later.
 */
import type { Logger } from '../../observability/logger.ts';
import type { Shadow, ShadowMetrics } from '../start-shadow.ts';
import { DroppedTally } from '../store/dropped-tally.ts';
import type { ShadowThreadOptions } from './shadow-thread-options.ts';
import { ThreadHost } from './thread-host.ts';
import { createThreadObserver } from './thread-observer.ts';

export type { ShadowThreadPriority, ShadowThreadRoutes } from './shadow-thread-options.ts';

export interface ShadowThreadDeps {
  /**
   * The thread's entry module (src/shadow-thread-worker.ts, SHADOW_THREAD_WORKER): it composes the shadow
   * side with QA's stores, so it belongs to the composition root and is handed in, not imported here.
   */
  readonly worker: URL;
  readonly options: ShadowThreadOptions;
  readonly metrics: ShadowMetrics;
  readonly logger: Logger;
  readonly killSwitchOn?: () => boolean;
  readonly random?: () => number;
  /** Wait before a thread that died is replaced (default 5 s). */
  readonly restartDelayMs?: number;
  /**
   * How long `close` waits for the thread to finish its running calls and write what it buffered
   * before it is terminated (default 15 s; each call is bounded by its own timeout, 5 s by default).
   */
  readonly closeTimeoutMs?: number;
}

export interface ShadowThread extends Shadow {
  /** QA accepted or revoked a rule: resolves once the shadow thread has reloaded them. */
  rulesChanged(): Promise<void>;
}

/** Starts the shadow thread; resolves once it is ready to take exchanges (rejects if it cannot start). */
export async function startShadowThread(deps: ShadowThreadDeps): Promise<ShadowThread> {
  const { options, metrics, logger } = deps;
  const host = new ThreadHost({
    worker: deps.worker,
    options,
    metrics,
    logger,
    restartDelayMs: deps.restartDelayMs ?? 5000,
    closeTimeoutMs: deps.closeTimeoutMs ?? 15_000,
  });
  await host.start();
  const dropped = new DroppedTally();
  const observer = createThreadObserver({
    host,
    metrics,
    bound: (options.shadow?.concurrency ?? 8) + (options.shadow?.queueLimit ?? 64),
    killSwitchOn: deps.killSwitchOn,
    random: deps.random ?? Math.random,
    dropped,
  });
  // Kept while there is no thread to take them (they are per route and minute: a few entries).
  const handOver = (): void => {
    if (host.worker === undefined) return;
    const counts = dropped.drain();
    if (counts.length > 0) host.send({ type: 'dropped', counts });
  };
  const timer = setInterval(handOver, 1000);
  timer.unref();
  return {
    observer,
    addDropped: (counts) => host.send({ type: 'dropped', counts }),
    close: () => {
      clearInterval(timer);
      handOver();
      return host.close();
    },
    rulesChanged: () => host.call('rules-changed'),
  };
}
