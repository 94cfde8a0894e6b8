import { describe, expect, it } from '@jest/globals';

import { createSilentLogger } from '../../observability/logger.ts';
import { createMetrics } from '../../observability/metrics.ts';
import { metricValue } from '../../proxy/proxy-test-harness.ts';
import { createSchedule } from './schedule.ts';

/** Jobs that run until the test finishes them, so slots and queue places can be counted. */
function scheduleOf(concurrency: number, queueLimit: number) {
  const metrics = createMetrics({ defaultMetrics: false });
  const running = new Map<string, () => void>();
  const started: string[] = [];
  const pending: number[] = [];
  const schedule = createSchedule<string>({
    concurrency,
    queueLimit,
    metrics,
    logger: createSilentLogger(),
    onPendingChange: (n) => pending.push(n),
    run: (job) =>
      new Promise<void>((resolve) => {
        started.push(job);
        running.set(job, resolve);
      }),
  });
  const finish = async (job: string): Promise<void> => {
    running.get(job)?.();
    // The slot frees in the job's finally: two turns of the microtask queue later.
    await new Promise((resolve) => setImmediate(resolve));
  };
  const dropped = () => metricValue(metrics, 'strangler_shadow_dropped_total', { reason: 'queue_full' });
  const queueDepth = () => metricValue(metrics, 'strangler_shadow_queue_depth', {});
  return { schedule, started, pending, finish, dropped, queueDepth };
}

describe('shadow schedule', () => {
  it('runs up to the concurrency, queues up to the limit, and drops and counts what comes beyond', async () => {
    const { schedule, started, pending, finish, dropped, queueDepth } = scheduleOf(1, 1);
    expect(schedule.admit('a')).toBe(true);
    expect(schedule.full()).toBe(false);
    expect(schedule.admit('b')).toBe(true);
    expect(await queueDepth()).toBe(1);
    expect(schedule.full()).toBe(true);
    expect(schedule.admit('c')).toBe(false);
    expect(await dropped()).toBe(1);
    expect(started).toEqual(['a']);

    await finish('a');
    expect(started).toEqual(['a', 'b']);
    expect(await queueDepth()).toBe(0);
    await finish('b');
    await schedule.idle();
    // Running or queued: a, a + b, b (moved from the queue to the slot), none.
    expect(pending).toEqual([1, 2, 1, 0]);
  });

  it('holds queued jobs back while calls that outlived their timeout fill a second set of slots', async () => {
    const { schedule, started, finish } = scheduleOf(1, 4);
    schedule.admit('a');
    schedule.overdueCalls.begin();
    await finish('a');
    // No job runs, but two overdue calls beside a concurrency of one are all that is tolerated.
    schedule.overdueCalls.begin();
    expect(schedule.admit('b')).toBe(true);
    expect(started).toEqual(['a']);
    schedule.overdueCalls.end();
    expect(started).toEqual(['a', 'b']);
  });

  it('on close drops the queue, takes nothing more and resolves once the running job is done', async () => {
    const { schedule, started, finish } = scheduleOf(1, 4);
    schedule.admit('a');
    schedule.admit('b');
    let closed = false;
    const closing = schedule.close().then(() => {
      closed = true;
    });
    expect(schedule.isClosed()).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    await finish('a');
    await closing;
    expect(started).toEqual(['a']);
  });
});
