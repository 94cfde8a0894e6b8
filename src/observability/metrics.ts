import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BufferedHistogram } from './buffered-histogram.ts';
import { CountBuffer } from './count-buffer.ts';

/**
 * Every metric strangler exports, on one registry per process (tests build their own).
 * Names and labels are what dashboards and alerts query (README.md, "The admin port"): change with care.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Gauge<L>({ name, help, labelNames, registers });
  const histogram = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: number[],
  ) => new Histogram<L>({ name, help, labelNames, buckets, registers });

  // The public port counts every request into requestCounts, which the counter takes in when read.
  const requestCounts = new CountBuffer<'route' | 'target' | 'mode' | 'status'>();
  const bodyBudget = bodyBudgetGauge(registers);
  return {
    registry,
    requests: requestsTotal(registers, requestCounts),
    bodyBudgetBytes: bodyBudget.gauge,
    readBodyBudgetFrom: bodyBudget.readFrom,
    requestBodiesRefused: counter(
      'strangler_request_bodies_refused_total',
      'Request bodies refused or cut off before they reached a backend, by reason',
      ['reason'],
    ),
    requestCounts,
    // Observed on every request through children that keep plain arrays (buffered-histogram.ts).
    requestDuration: new BufferedHistogram<'route' | 'target'>({
      name: 'strangler_request_duration_seconds',
      help: 'Time to the end of the response, by serving side',
      labelNames: ['route', 'target'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    upstreamErrors: counter(
      'strangler_upstream_errors_total',
      'Failed calls to legacy, by error code (ECONNREFUSED, ETIMEDOUT, ...)',
      ['route', 'code'],
    ),
    fallbacks: counter('strangler_fallbacks_total', 'Requests a new handler failed that legacy then served', [
      'route',
    ]),
    routeMode: gauge('strangler_route_mode', '1 for the mode each route is in now, 0 for the others', [
      'route',
      'mode',
    ]),
    circuitOpen: gauge(
      'strangler_circuit_open',
      '1 while a route circuit breaker keeps its new handler out of service',
      ['route'],
    ),
    shadowComparisons: counter('strangler_shadow_comparisons_total', 'Shadow comparisons by outcome', [
      'route',
      'outcome',
    ]),
    shadowQueueDepth: gauge('strangler_shadow_queue_depth', 'Shadow calls waiting for a slot'),
    shadowDropped: counter(
      'strangler_shadow_dropped_total',
      'Shadow calls dropped because the queue was full or the store was down',
      ['reason'],
    ),
    shadowLatency: histogram(
      'strangler_shadow_latency_seconds',
      'Latency of each side of a shadowed request',
      ['route', 'side'],
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    adminAuthBlocked: counter(
      'strangler_admin_auth_blocked_total',
      'Admin authentication attempts refused unchecked because their address had too many wrong tokens',
    ),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

function requestsTotal(
  registers: Registry[],
  counts: CountBuffer<'route' | 'target' | 'mode' | 'status'>,
): Counter<'route' | 'target' | 'mode' | 'status'> {
  return new Counter({
    name: 'strangler_requests_total',
    help: 'Requests served on the public port',
    labelNames: ['route', 'target', 'mode', 'status'] as const,
    registers,
    collect() {
      counts.flushInto(this);
    },
  });
}

/** The body budget lives in the public server, made after the metrics: it says where to read from. */
function bodyBudgetGauge(registers: Registry[]) {
  let held: () => number = () => 0;
  const gauge = new Gauge({
    name: 'strangler_body_budget_held_bytes',
    help: 'Bytes of request and captured bodies held in memory now (the in-flight body budget)',
    registers,
    collect() {
      this.set(held());
    },
  });
  return {
    gauge,
    readFrom(read: () => number): void {
      held = read;
    },
  };
}
