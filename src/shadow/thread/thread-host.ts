import { Worker } from 'node:worker_threads';

import type { Logger } from '../../observability/logger.ts';
import { errorDetails } from '../../observability/logger.ts';
import type { ShadowMetrics } from '../start-shadow.ts';
import {
  COUNTER_PENDING,
  COUNTER_RECEIVED,
  type ShadowThreadData,
  type ShadowThreadOptions,
} from './shadow-thread-options.ts';
import type { FromShadowThread, MetricOp, ToShadowThread } from './wire.ts';

export interface ThreadHostDeps {
  readonly worker: URL;
  readonly options: ShadowThreadOptions;
  readonly metrics: ShadowMetrics;
  readonly logger: Logger;
  readonly restartDelayMs: number;
  readonly closeTimeoutMs: number;
}

/**
 * The proxy's side of the shadow thread's life: starts it, applies the metric updates it sends,
 * answers round trips, replaces a thread that died (after `restartDelayMs`) and closes it.
 * `generation` counts the threads started, so a message can tell which thread it went to.
 */
export class ThreadHost {
  worker: Worker | undefined;
  closed = false;
  generation = 0;
  /** Messages posted to the current thread. */
  posted = 0;
  private counters = new Int32Array(new SharedArrayBuffer(8));
  private nextCallId = 1;
  private readonly calls = new Map<number, () => void>();
  private restartTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private readonly deps: ThreadHostDeps;

  constructor(deps: ThreadHostDeps) {
    this.deps = deps;
  }

  async start(): Promise<void> {
    this.worker = await this.spawn();
  }

  /** Calls running or queued on the thread plus messages it has not received yet. */
  backlog(): number {
    const inFlight = this.posted - Atomics.load(this.counters, COUNTER_RECEIVED);
    return Atomics.load(this.counters, COUNTER_PENDING) + inFlight;
  }

  post(message: ToShadowThread, transfer: ArrayBuffer[]): void {
    if (this.worker === undefined) return;
    this.posted += 1;
    this.worker.postMessage(message, transfer);
  }

  /** A message that is no observation: not part of the backlog the proxy's bound counts. */
  send(message: ToShadowThread): void {
    this.worker?.postMessage(message);
  }

  /** Round trip to the shadow thread; resolves at once when there is none. */
  call(type: 'idle' | 'rules-changed' | 'close'): Promise<void> {
    const current = this.worker;
    if (current === undefined) return Promise.resolve();
    const id = this.nextCallId++;
    return new Promise<void>((resolve) => {
      this.calls.set(id, resolve);
      current.postMessage({ type, id } satisfies ToShadowThread);
    });
  }

  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private spawn(): Promise<Worker> {
    const { options } = this.deps;
    this.counters = new Int32Array(new SharedArrayBuffer(8));
    this.posted = 0;
    this.generation += 1;
    const data: ShadowThreadData = {
      ...options,
      legacyUrl: options.legacyUrl.href,
      priority: options.priority ?? 'idle',
      counters: this.counters.buffer as SharedArrayBuffer,
    };
    const thread = new Worker(this.deps.worker, { workerData: data, name: 'strangler-shadow' });
    return new Promise<Worker>((resolve, reject) => {
      let ready = false;
      thread.on('message', (message: FromShadowThread) => {
        if (message.type === 'ready') {
          ready = true;
          resolve(thread);
        } else if (message.type === 'failed') {
          reject(new Error(`shadow thread failed to start: ${message.message}`));
          void thread.terminate();
        } else {
          this.receive(message);
        }
      });
      thread.on('error', (error: Error) => {
        if (!ready) reject(error);
        else
          this.deps.logger.error('shadow thread crashed; shadowing stops until it is replaced', {
            error: errorDetails(error),
          });
      });
      thread.on('exit', (code) => {
        if (!ready) reject(new Error(`shadow thread exited with code ${code} while starting`));
        else this.exited(thread, code);
      });
    });
  }

  private receive(message: Exclude<FromShadowThread, { type: 'ready' | 'failed' }>): void {
    if (message.type === 'metrics') {
      applyMetricOps(this.deps.metrics, message.ops);
      return;
    }
    this.calls.get(message.id)?.();
    this.calls.delete(message.id);
  }

  private exited(thread: Worker, code: number): void {
    if (this.worker !== thread) return;
    this.worker = undefined;
    this.deps.metrics.shadowQueueDepth.set(0);
    // Callers waiting on the dead thread (idle) are released: nothing of theirs is running any more.
    for (const release of this.calls.values()) release();
    this.calls.clear();
    if (this.closed) return;
    const { logger, restartDelayMs } = this.deps;
    logger.error('shadow thread stopped unexpectedly; starting a new one', { code, inMs: restartDelayMs });
    this.restartTimer = setTimeout(() => this.restart(), restartDelayMs);
    this.restartTimer.unref();
  }

  private restart(): void {
    this.restartTimer = undefined;
    if (this.closed) return;
    this.spawn().then(
      (replacement) => {
        if (this.closed) void replacement.terminate();
        else this.worker = replacement;
      },
      (error: unknown) =>
        this.deps.logger.error('shadow thread could not be restarted; shadowing stays off', {
          error: errorDetails(error),
        }),
    );
  }

  private async closeNow(): Promise<void> {
    this.closed = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    const current = this.worker;
    if (current === undefined) return;
    // The thread closes its runner (each running call bounded by its timeout), writes what is
    // buffered and closes its pools, then exits.
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.deps.closeTimeoutMs);
    });
    const timedOutFirst = await Promise.race([
      this.call('close')
        .then(() => exited)
        .then(() => false),
      timedOut,
    ]);
    clearTimeout(timer);
    if (timedOutFirst) this.deps.logger.warn('shadow thread did not finish in time; terminated', {});
    await current.terminate();
  }
}

function applyMetricOps(metrics: ShadowMetrics, ops: readonly MetricOp[]): void {
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
}
