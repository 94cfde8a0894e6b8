import type { Logger } from '../observability/logger.ts';
import { errorDetails } from '../observability/logger.ts';
import type { AcceptedRules, ReportStore } from './report-store.ts';

export interface AcceptedRulesCache {
  /**
   * Synchronous, for the shadow runner (`ShadowRunnerDeps.acceptedDifferences`): the last loaded rules
   * of the route, undefined when it has none. Never throws and never waits for the database.
   */
  acceptedDifferences(routeId: string): AcceptedRules | undefined;
  /** Reloads now; the reports router calls it after an accept or revoke so this replica applies it at once. */
  refresh(): Promise<void>;
  stop(): void;
}

/**
 * Keeps every route's accepted rules in memory, reloaded every `refreshIntervalMs` (default 5 s), so a
 * rule accepted on one replica applies on all of them within that time. A failed reload keeps the
 * last rules in force: a database hiccup must not suddenly turn accepted differences back into
 * mismatches.
 */
export function createAcceptedRulesCache(deps: {
  readonly store: Pick<ReportStore, 'loadAllAcceptedRules'>;
  readonly logger: Logger;
  readonly refreshIntervalMs?: number;
}): AcceptedRulesCache {
  let rules = new Map<string, AcceptedRules>();
  let inFlight: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  let failing = false;

  const load = async (): Promise<void> => {
    try {
      rules = await deps.store.loadAllAcceptedRules();
      if (failing) deps.logger.info('accepted QA rules reloaded');
      failing = false;
    } catch (error: unknown) {
      if (!failing) {
        deps.logger.warn('could not reload accepted QA rules; the last ones stay in force', {
          error: errorDetails(error),
        });
      }
      failing = true;
    }
  };

  // A reload asked for while one runs (e.g. right after an accept) must see the change: it runs again
  // after the current one instead of sharing its possibly stale result.
  const refresh = (): Promise<void> => {
    if (inFlight === undefined) {
      inFlight = load().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    }
    queued ??= inFlight.then(() => {
      queued = undefined;
      return refresh();
    });
    return queued;
  };

  const timer = setInterval(() => void refresh(), deps.refreshIntervalMs ?? 5000);
  timer.unref();
  void refresh();

  return {
    acceptedDifferences: (routeId) => rules.get(routeId),
    refresh,
    stop: () => clearInterval(timer),
  };
}
