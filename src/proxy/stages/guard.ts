import type { Logger } from '../../observability/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import { createCircuitBreaker } from '../circuit-breaker.ts';
import type { CircuitBreaker, CircuitBreakerSettings } from '../circuit-breaker.ts';

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
