import type { EventEmitter } from 'node:events';
import type { Logger } from '../src/observability/logger.ts';
import { errorDetails } from '../src/observability/logger.ts';

/**
 * Routes an unleash-client instance's `error` and `warn` events to the logger at warn. Without an
 * `error` listener unleash-client prints to the console, and an outage would repeat the same line
 * every poll, so each distinct message is logged once until `reset` (flags fetched again).
 */
export function forwardUnleashEvents(
  unleash: EventEmitter,
  logger: Logger,
  details: Record<string, unknown>,
): { reset(): void; problemsSinceReset(): number } {
  const seen = new Set<string>();
  const log = (event: string) => (problem: unknown) => {
    const error = problem instanceof Error ? errorDetails(problem) : { message: String(problem) };
    const key = `${event}:${String(error.message)}`;
    if (seen.has(key)) return;
    if (seen.size > 100) seen.clear();
    seen.add(key);
    logger.warn(`unleash-client ${event}`, { ...details, error });
  };
  unleash.on('error', log('error'));
  unleash.on('warn', log('warn'));
  return {
    reset: () => seen.clear(),
    problemsSinceReset: () => seen.size,
  };
}
