import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Logger } from '../../observability/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import { SAFE_METHODS } from '../../routing/route.ts';
import type { RouteRecord } from '../../routing/route.ts';
import { createCircuitBreaker } from '../circuit-breaker.ts';
import type { CircuitBreaker, CircuitBreakerSettings } from '../circuit-breaker.ts';
import type { Exchange } from '../exchange.ts';
import { sendUnavailable } from '../problem-response.ts';

/** The circuit breaker of a route's new handler, made on first use; its state is a gauge. */
export type BreakerFor = (routeId: string) => CircuitBreaker;

export function createBreakers(
  settings: CircuitBreakerSettings,
  metrics: Pick<Metrics, 'circuitOpen'>,
  logger: Logger,
  now: (() => number) | undefined,
): BreakerFor {
  const breakers = new Map<string, CircuitBreaker>();
  return (routeId) => {
    let breaker = breakers.get(routeId);
    if (breaker === undefined) {
      metrics.circuitOpen.labels(routeId).set(0);
      breaker = createCircuitBreaker(settings, {
        ...(now === undefined ? {} : { now }),
        onStateChange: (state) => {
          metrics.circuitOpen.labels(routeId).set(state === 'closed' ? 0 : 1);
          logger.warn('circuit breaker changed state', { route: routeId, state });
        },
      });
      breakers.set(routeId, breaker);
    }
    return breaker;
  };
}

/**
 * A request the route's open circuit keeps from its handler: legacy serves a safe method, and a write
 * on a route that opts in (RouteRecord.unsafeFallbackToLegacy); any other write is answered 503 until
 * the probe, because legacy taking it while the new side owns the data would race the sync. True when
 * it was answered here.
 */
export function refusedWhileOpen(
  req: IncomingMessage,
  res: ServerResponse,
  exchange: Exchange,
  route: RouteRecord,
  breaker: CircuitBreaker,
): boolean {
  if (SAFE_METHODS.has(req.method ?? 'GET') || route.unsafeFallbackToLegacy === true) return false;
  sendUnavailable(res, exchange.requestId, breaker.retryAfterMs());
  return true;
}
