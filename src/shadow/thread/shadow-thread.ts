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
import { Worker } from 'node:worker_threads';

import type { HostHeaderMode } from '../../proxy/forward-headers.ts';
import type { Logger } from '../../observability/logger.ts';
import { errorDetails } from '../../observability/logger.ts';
import type { ObservedExchange, ObservedRequest } from '../../proxy/exchange-observer.ts';
import type { RouteMatch, RouteRecord } from '../../routing/route.ts';
import type { ModeDecision } from '../../../flags/flag-resolver.ts';
import {
  DEFAULT_SHADOW_SETTINGS,
  sampledCaptureLimit,
  startsEarlyDryRun,
  type ShadowRunner,
} from '../shadow-runner.ts';
import type { Shadow, ShadowMetrics, ShadowTuning } from '../start-shadow.ts';
import {
  exchangeToWire,
  requestToWire,
  type FromShadowThread,
  type MetricOp,
  type ToShadowThread,
} from './wire.ts';

/** Indexes into the counters the two threads share. */
export const COUNTER_RECEIVED = 0;
export const COUNTER_PENDING = 1;

/** What a routes module gives the shadow thread: the same route records the proxy serves. */
/**
 * CPU priority of the shadow thread on Linux: `idle` (SCHED_IDLE, so any proxy work that wakes up
 * preempts it at once) or a nice value 0–19.
 */
export type ShadowThreadPriority = 'idle' | number;

export interface ShadowThreadRoutes {
  readonly routes: readonly RouteRecord[];
  /** Closes what the records use (their database pool). */
  close?(): Promise<void>;
}

/**
 * The module (a file URL) whose export builds the shadow thread's routes, and the options passed to
 * it (structured-cloneable). The proxy's route records cannot cross threads: they hold handlers.
 */
export interface ShadowThreadRoutesModule {
  readonly module: string;
  /** Default `createShadowThreadRoutes`. */
  readonly exportName?: string;
  readonly options?: unknown;
}

export interface ShadowThreadOptions {
  readonly routes: ShadowThreadRoutesModule;
  /** The proxy's PostgreSQL (DATABASE_URL): the shadow store and QA's accepted rules. Migrated already. */
  readonly databaseUrl: string;
  readonly legacyUrl: URL;
  readonly hostHeader: HostHeaderMode;
  /** The shadow thread's own logger (JSON lines on stdout); silent when undefined. */
  readonly logLevel?: string;
  /**
   * CPU priority of the shadow thread on Linux (default `idle`): `idle` puts it under SCHED_IDLE with
   * `chrt` (util-linux), so the proxy's thread preempts it the moment it wakes up, falling back to
   * nice 19 where chrt is missing; a number is a nice value (0 leaves the thread alone). A niced thread
   * may keep the CPU for the rest of its time slice (up to a few ms) when the proxy wakes up.
   */
  readonly priority?: ShadowThreadPriority;
  /** Load QA's accepted rules (default true). */
  readonly acceptedRules?: boolean;
  readonly shadow?: ShadowTuning;
  /** How often the shadow thread sends its metric updates (default 250 ms). */
  readonly metricsIntervalMs?: number;
}

/** workerData of src/shadow-thread-worker.ts. */
export interface ShadowThreadData extends Omit<ShadowThreadOptions, 'legacyUrl' | 'priority'> {
  readonly legacyUrl: string;
  readonly priority: ShadowThreadPriority;
  readonly counters: SharedArrayBuffer;
}

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

const ANNOUNCED_MEMORY = 4096;

/** Starts the shadow thread; resolves once it is ready to take exchanges (rejects if it cannot start). */
export async function startShadowThread(deps: ShadowThreadDeps): Promise<ShadowThread> {
  const { options, metrics, logger } = deps;
  const random = deps.random ?? Math.random;
  const defaults = DEFAULT_SHADOW_SETTINGS;
  const bound = (options.shadow?.concurrency ?? 8) + (options.shadow?.queueLimit ?? 64);
  const restartDelayMs = deps.restartDelayMs ?? 5000;

  let counters = new Int32Array(new SharedArrayBuffer(8));
  let posted = 0;
  let worker: Worker | undefined;
  let closed = false;
  let nextCallId = 1;
  const calls = new Map<number, () => void>();
  let restartTimer: NodeJS.Timeout | undefined;
  // Which thread each announced write went to (see onExchange); bounded like the runner's memory of them.
  let generation = 0;
  const announced = new Map<number, number>();

  const apply = (ops: readonly MetricOp[]): void => {
    for (const op of ops) {
      switch (op[0]) {
        case 'comparison':
          metrics.shadowComparisons.inc(op[1], op[2]);
          break;
        case 'dropped':
          metrics.shadowDropped.inc(op[1], op[2]);
          break;
        case 'latency':
          metrics.shadowLatency.observe(op[1], op[2]);
          break;
        case 'queue':
          metrics.shadowQueueDepth.set(op[1]);
          break;
      }
    }
  };

  const spawn = (): Promise<Worker> => {
    counters = new Int32Array(new SharedArrayBuffer(8));
    posted = 0;
    generation += 1;
    const data: ShadowThreadData = {
      ...options,
      legacyUrl: options.legacyUrl.href,
      priority: options.priority ?? 'idle',
      counters: counters.buffer as SharedArrayBuffer,
    };
    const thread = new Worker(deps.worker, { workerData: data, name: 'strangler-shadow' });
    return new Promise<Worker>((resolve, reject) => {
      let ready = false;
      thread.on('message', (message: FromShadowThread) => {
        switch (message.type) {
          case 'ready':
            ready = true;
            resolve(thread);
            return;
          case 'failed':
            reject(new Error(`shadow thread failed to start: ${message.message}`));
            void thread.terminate();
            return;
          case 'metrics':
            apply(message.ops);
            return;
          case 'idle':
          case 'rules-changed':
          case 'closed':
            calls.get(message.id)?.();
            calls.delete(message.id);
            return;
        }
      });
      thread.on('error', (error: Error) => {
        if (!ready) {
          reject(error);
          return;
        }
        logger.error('shadow thread crashed; shadowing stops until it is replaced', {
          error: errorDetails(error),
        });
      });
      thread.on('exit', (code) => {
        if (!ready) {
          reject(new Error(`shadow thread exited with code ${code} while starting`));
          return;
        }
        if (worker !== thread) return;
        worker = undefined;
        metrics.shadowQueueDepth.set(0);
        // Callers waiting on the dead thread (idle) are released: nothing of theirs is running any more.
        for (const release of calls.values()) release();
        calls.clear();
        if (closed) return;
        logger.error('shadow thread stopped unexpectedly; starting a new one', {
          code,
          inMs: restartDelayMs,
        });
        restartTimer = setTimeout(() => {
          restartTimer = undefined;
          if (closed) return;
          spawn().then(
            (replacement) => {
              if (closed) void replacement.terminate();
              else worker = replacement;
            },
            (error: unknown) =>
              logger.error('shadow thread could not be restarted; shadowing stays off', {
                error: errorDetails(error),
              }),
          );
        }, restartDelayMs);
        restartTimer.unref();
      });
    });
  };

  worker = await spawn();

  const post = (message: ToShadowThread, transfer: ArrayBuffer[] = []): void => {
    worker?.postMessage(message, transfer);
  };

  /** Round trip to the shadow thread; resolves at once when there is none. */
  const call = (type: 'idle' | 'rules-changed' | 'close'): Promise<void> => {
    const current = worker;
    if (current === undefined) return Promise.resolve();
    const id = nextCallId++;
    return new Promise<void>((resolve) => {
      calls.set(id, resolve);
      current.postMessage({ type, id } satisfies ToShadowThread);
    });
  };

  const killSwitch = (): boolean => deps.killSwitchOn?.() === true;

  const observer: ShadowRunner = {
    captureLimit(match: RouteMatch, decision: ModeDecision): number | undefined {
      if (closed || killSwitch()) return undefined;
      const limit = sampledCaptureLimit(match.route, decision, defaults, random);
      if (limit === undefined) return undefined;
      if (worker === undefined) {
        metrics.shadowDropped.inc({ reason: 'thread_restarting' });
        return undefined;
      }
      const inFlight = posted - Atomics.load(counters, COUNTER_RECEIVED);
      if (Atomics.load(counters, COUNTER_PENDING) + inFlight >= bound) {
        // Dropped before any byte is captured, as the in-process runner does when it is full.
        metrics.shadowDropped.inc({ reason: 'queue_full' });
        return undefined;
      }
      return limit;
    },
    onRequest(request: ObservedRequest): void {
      if (closed || worker === undefined || !startsEarlyDryRun(request)) return;
      const transfer: ArrayBuffer[] = [];
      const wire = requestToWire(request, transfer);
      announced.set(request.observationId, generation);
      if (announced.size > ANNOUNCED_MEMORY) announced.delete(announced.keys().next().value as number);
      posted += 1;
      post({ type: 'request', killSwitch: killSwitch(), request: wire }, transfer);
    },
    onExchange(exchange: ObservedExchange): void {
      if (closed || worker === undefined) return;
      const id = exchange.observationId;
      const announcedTo = id === undefined ? undefined : announced.get(id);
      if (id !== undefined && announcedTo !== undefined) {
        announced.delete(id);
        // Its dry run started on a thread that has died since: a late one on the new thread would
        // race the sync (see the runner's onRequest), so this write goes uncompared.
        if (announcedTo !== generation) {
          metrics.shadowDropped.inc({ reason: 'thread_restarting' });
          return;
        }
      }
      const transfer: ArrayBuffer[] = [];
      const wire = exchangeToWire(exchange, transfer);
      posted += 1;
      post({ type: 'exchange', killSwitch: killSwitch(), exchange: wire }, transfer);
    },
    idle: () => call('idle'),
    close: () => shutdown(),
  };

  let closing: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    closing ??= (async () => {
      closed = true;
      if (restartTimer !== undefined) clearTimeout(restartTimer);
      const current = worker;
      if (current === undefined) return;
      // The thread closes its runner (each running call bounded by its timeout), writes what is
      // buffered and closes its pools, then exits.
      const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), deps.closeTimeoutMs ?? 15_000);
      });
      const timedOutFirst = await Promise.race([
        call('close')
          .then(() => exited)
          .then(() => false),
        timedOut,
      ]);
      clearTimeout(timer);
      if (timedOutFirst) logger.warn('shadow thread did not finish in time; terminated', {});
      await current.terminate();
    })();
    return closing;
  };

  return {
    observer,
    close: shutdown,
    rulesChanged: () => call('rules-changed'),
  };
}
