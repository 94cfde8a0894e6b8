import type { ShadowMetrics } from '../start-shadow.ts';
import type { MetricOp } from './wire.ts';

type CounterKind = 'comparison' | 'dropped';

/**
 * The shadow thread's metrics: updates recorded here and sent to the proxy's thread, where `/metrics`
 * is served. Counter increments are summed per label set until the next flush (every one applied there
 * costs the proxy's thread a label lookup); latencies go one by one into the histogram; the queue gauge
 * needs its last value.
 */
export function createBatchedMetrics(send: (ops: MetricOp[]) => void): {
  readonly metrics: ShadowMetrics;
  /** Sends what was recorded since the last flush, if anything. */
  flush(): void;
} {
  let ops: MetricOp[] = [];
  const counts = new Map<string, { kind: CounterKind; labels: Record<string, string>; n: number }>();
  let queueDepth: number | undefined;
  const count = (kind: CounterKind, labels: Record<string, string>, n: number): void => {
    const key = kind === 'comparison' ? `c\0${labels.route}\0${labels.outcome}` : `d\0${labels.reason}`;
    const entry = counts.get(key);
    if (entry === undefined) counts.set(key, { kind, labels, n });
    else entry.n += n;
  };
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
  const flush = (): void => {
    for (const { kind, labels, n } of counts.values()) ops.push([kind, labels, n]);
    counts.clear();
    if (queueDepth !== undefined) ops.push(['queue', queueDepth]);
    queueDepth = undefined;
    if (ops.length === 0) return;
    send(ops);
    ops = [];
  };
  return { metrics, flush };
}
