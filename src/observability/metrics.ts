import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric strangler exports, on one registry per process (tests build their own).
 * Names and labels are what dashboards and alerts query (README.md, "The admin port"): change with care.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'strangler_requests_total',
      help: 'Requests served on the public port',
      labelNames: ['route', 'target', 'mode', 'status'] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: 'strangler_request_duration_seconds',
      help: 'Time to the end of the response, by serving side',
      labelNames: ['route', 'target'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    upstreamErrors: new Counter({
      name: 'strangler_upstream_errors_total',
      help: 'Failed calls to legacy, by error code (ECONNREFUSED, ETIMEDOUT, ...)',
      labelNames: ['route', 'code'] as const,
      registers,
    }),
    fallbacks: new Counter({
      name: 'strangler_fallbacks_total',
      help: 'Requests a new handler failed that legacy then served',
      labelNames: ['route'] as const,
      registers,
    }),
    routeMode: new Gauge({
      name: 'strangler_route_mode',
      help: '1 for the mode each route is in now, 0 for the others',
      labelNames: ['route', 'mode'] as const,
      registers,
    }),
    circuitOpen: new Gauge({
      name: 'strangler_circuit_open',
      help: '1 while a route circuit breaker keeps its new handler out of service',
      labelNames: ['route'] as const,
      registers,
    }),
    shadowComparisons: new Counter({
      name: 'strangler_shadow_comparisons_total',
      help: 'Shadow comparisons by outcome',
      labelNames: ['route', 'outcome'] as const,
      registers,
    }),
    shadowQueueDepth: new Gauge({
      name: 'strangler_shadow_queue_depth',
      help: 'Shadow calls waiting for a slot',
      registers,
    }),
    shadowDropped: new Counter({
      name: 'strangler_shadow_dropped_total',
      help: 'Shadow calls dropped because the queue was full or the store was down',
      labelNames: ['reason'] as const,
      registers,
    }),
    shadowLatency: new Histogram({
      name: 'strangler_shadow_latency_seconds',
      help: 'Latency of each side of a shadowed request',
      labelNames: ['route', 'side'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    adminAuthBlocked: new Counter({
      name: 'strangler_admin_auth_blocked_total',
      help: 'Admin authentication attempts refused unchecked because their address had too many wrong tokens',
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
