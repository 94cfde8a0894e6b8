/**
 * Per-route circuit breaker for new handlers: after `failureThreshold` consecutive failures the route
 * is served by legacy for `openMs`; then one request at a time probes the handler (half-open) and a
 * success closes the circuit again. Only server-side faults count as failures (the caller decides, see
 * stages/handler-fault.ts): a handler that answers 4xx or 5xx on purpose is mimicking legacy, and a
 * client's bad input or departure must not move a route.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerSettings {
  readonly failureThreshold: number;
  readonly openMs: number;
}

export const DEFAULT_CIRCUIT_BREAKER: CircuitBreakerSettings = { failureThreshold: 5, openMs: 30_000 };

export interface CircuitBreaker {
  /** True when this request may go to the new handler; in half-open only one probe is let through. */
  tryAcquire(): boolean;
  recordSuccess(): void;
  recordFailure(): void;
  /** The probe (or any acquired call) ended without an outcome, e.g. the client went away. */
  release(): void;
  state(): CircuitState;
  /** Time until the next probe may run (0 when closed, or half-open with its probe in flight). */
  retryAfterMs(): number;
}

export function createCircuitBreaker(
  settings: CircuitBreakerSettings,
  options: { now?: () => number; onStateChange?: (state: CircuitState) => void } = {},
): CircuitBreaker {
  const now = options.now ?? Date.now;
  let state: CircuitState = 'closed';
  let failures = 0;
  let openedAt = 0;
  let probing = false;

  const moveTo = (next: CircuitState): void => {
    if (next === state) return;
    state = next;
    options.onStateChange?.(next);
  };

  return {
    tryAcquire() {
      if (state === 'closed') return true;
      if (state === 'open') {
        if (now() - openedAt < settings.openMs) return false;
        moveTo('half-open');
      }
      if (probing) return false;
      probing = true;
      return true;
    },
    recordSuccess() {
      failures = 0;
      probing = false;
      moveTo('closed');
    },
    recordFailure() {
      probing = false;
      failures += 1;
      if (state === 'half-open' || failures >= settings.failureThreshold) {
        openedAt = now();
        moveTo('open');
      }
    },
    release() {
      probing = false;
    },
    state() {
      if (state === 'open' && now() - openedAt >= settings.openMs) return 'half-open';
      return state;
    },
    retryAfterMs() {
      return state === 'open' ? Math.max(0, settings.openMs - (now() - openedAt)) : 0;
    },
  };
}
