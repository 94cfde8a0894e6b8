import type { Logger } from '../../observability/logger.ts';
import { errorDetails } from '../../observability/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { OverdueCalls } from './call.ts';

export interface ScheduleDeps<J> {
  /** Jobs running at once. */
  readonly concurrency: number;
  /** Jobs waiting for a slot before new ones are dropped. */
  readonly queueLimit: number;
  readonly metrics: Pick<Metrics, 'shadowQueueDepth' | 'shadowDropped'>;
  readonly logger: Logger;
  /** Told the number of jobs running or queued whenever it changes. */
  readonly onPendingChange?: ((pending: number) => void) | undefined;
  /** Told of each job dropped for want of a slot or a queue place. */
  readonly onDropped?: ((job: J) => void) | undefined;
  /** Runs one job; it records its own failures. */
  readonly run: (job: J) => Promise<void>;
}

export interface Schedule<J> {
  /** No free slot and no queue place: a sampled request is dropped before anything is captured. */
  full(): boolean;
  /** Starts the job now or queues it; false, counted as dropped, when both are full. */
  admit(job: J): boolean;
  /** Handed to every call's timeout (call.ts): calls that outlive it still hold a slot of sorts. */
  readonly overdueCalls: OverdueCalls;
  isClosed(): boolean;
  /** Resolves when no job is queued or running. */
  idle(): Promise<void>;
  /** Stops taking jobs and drops the queued ones; resolves when the running ones have finished. */
  close(): Promise<void>;
}

/** Bounded concurrency and a bounded queue for the shadow's jobs, so shadow load can only be shed. */
export function createSchedule<J>(deps: ScheduleDeps<J>): Schedule<J> {
  const { concurrency, queueLimit, metrics, logger, onPendingChange, run } = deps;
  const queue: J[] = [];
  let active = 0;
  /**
   * Calls that outlived their timeout and have not settled yet (a handler that ignores its abort
   * signal, a PostgreSQL that stopped answering). Their jobs are over (recorded as timeouts), but the
   * calls still hold a connection and their bodies: at most `concurrency` of them are tolerated
   * beside the running ones, and beyond that nothing starts until some settle. Otherwise a stalled
   * dependency would let calls pile up without bound and all run at once when it recovers.
   */
  let overdue = 0;
  let closed = false;
  const idleWaiters = new IdleWaiters();

  const slotFree = () => active < concurrency && active + overdue < 2 * concurrency;

  const start = (job: J): void => {
    active += 1;
    run(job)
      .catch((error: unknown) => {
        // Jobs record their own failures; this is a bug guard so a rejection never goes unhandled.
        logger.error('shadow comparison failed unexpectedly', { error: errorDetails(error) });
      })
      .finally(() => {
        active -= 1;
        startQueued();
      });
  };

  const startQueued = (): void => {
    const next = !closed && slotFree() ? queue.shift() : undefined;
    metrics.shadowQueueDepth.set(queue.length);
    onPendingChange?.(active + queue.length + (next !== undefined ? 1 : 0));
    if (next !== undefined) start(next);
    else if (active === 0 && queue.length === 0) idleWaiters.release();
  };

  return {
    full: () => !slotFree() && queue.length >= queueLimit,
    admit(job) {
      if (slotFree()) {
        start(job);
        onPendingChange?.(active + queue.length);
      } else if (queue.length < queueLimit) {
        queue.push(job);
        metrics.shadowQueueDepth.set(queue.length);
        onPendingChange?.(active + queue.length);
      } else {
        metrics.shadowDropped.inc({ reason: 'queue_full' });
        deps.onDropped?.(job);
        return false;
      }
      return true;
    },
    overdueCalls: {
      begin: () => {
        overdue += 1;
      },
      end: () => {
        overdue -= 1;
        startQueued();
      },
    },
    isClosed: () => closed,
    idle() {
      return active === 0 && queue.length === 0 ? Promise.resolve() : idleWaiters.wait();
    },
    close() {
      closed = true;
      queue.length = 0;
      metrics.shadowQueueDepth.set(0);
      onPendingChange?.(active);
      return active === 0 ? Promise.resolve() : idleWaiters.wait();
    },
  };
}

/** Promises of "nothing queued or running", all kept until that happens. */
class IdleWaiters {
  private waiters: (() => void)[] = [];

  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
