import type { Logger } from '../observability/logger.ts';
import { errorDetails } from '../observability/logger.ts';
import type { AcceptedDifferences } from './shadow-runner.ts';

export interface AcceptedDifferencesCache {
  /** What the runner applies now; undefined until the first load of the route succeeded. */
  get(routeId: string): AcceptedDifferences | undefined;
  refresh(): Promise<void>;
  stop(): void;
}

/**
 * Keeps QA's accepted differences (src/qa-reports: ReportStore.loadAcceptedRules) in memory for the
 * runner, which must not wait for the database per comparison. Refreshed on a timer; when a load fails
 * the last known rules stay in force, so a store outage never turns accepted differences back into
 * mismatches.
 */
export function createAcceptedDifferencesCache(options: {
  readonly load: (routeId: string) => Promise<AcceptedDifferences>;
  readonly routeIds: readonly string[];
  readonly logger: Logger;
  readonly refreshMs?: number;
}): AcceptedDifferencesCache {
  const current = new Map<string, AcceptedDifferences>();
  let lastWarning = 0;

  const refresh = async (): Promise<void> => {
    await Promise.all(
      options.routeIds.map(async (routeId) => {
        try {
          const loaded = await options.load(routeId);
          current.set(routeId, {
            ignoredPaths: [...loaded.ignoredPaths],
            fingerprints: [...loaded.fingerprints],
          });
        } catch (error: unknown) {
          if (Date.now() - lastWarning > 60_000) {
            lastWarning = Date.now();
            options.logger.warn('accepted differences could not be loaded; last known rules stay', {
              route: routeId,
              error: errorDetails(error),
            });
          }
        }
      }),
    );
  };

  const timer = setInterval(() => void refresh(), options.refreshMs ?? 10_000);
  timer.unref();
  return { get: (routeId) => current.get(routeId), refresh, stop: () => clearInterval(timer) };
}
