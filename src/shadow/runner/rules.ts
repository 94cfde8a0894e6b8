import type { Logger } from '../../observability/logger.ts';
import { errorDetails } from '../../observability/logger.ts';
import type { RouteRecord } from '../../routing/route.ts';
import { SYNC_ENTITIES } from '../../sync/sync-entities.ts';
import {
  compiledRulesFor,
  compileCompareRules,
  type CompiledCompareRules,
} from '../compare/compare-rules.ts';

/** Validates every route's comparison rules at startup, all problems at once (empty when all are fine). */
export function shadowRuleProblems(routes: readonly RouteRecord[]): string[] {
  const problems: string[] = [];
  for (const route of routes) {
    try {
      compileCompareRules(route.shadow?.compare);
    } catch (error: unknown) {
      const list = (error as { problems?: unknown }).problems;
      if (Array.isArray(list)) for (const p of list) problems.push(`route ${route.id}: ${String(p)}`);
      else problems.push(`route ${route.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const table of route.shadow?.syncTables ?? []) {
      if (!SYNC_ENTITIES.some((e) => e.name === table))
        problems.push(`route ${route.id}: shadow.syncTables names "${table}", which the sync does not carry`);
    }
  }
  return problems;
}

/** A route's compiled comparison rules; undefined for invalid ones, logged once per route. */
export type RulesFor = (route: RouteRecord) => CompiledCompareRules | undefined;

export function createRulesFor(logger: Logger): RulesFor {
  const badRules = new Set<string>();
  return (route) => {
    try {
      return compiledRulesFor(route.shadow?.compare as Parameters<typeof compiledRulesFor>[0]);
    } catch (error: unknown) {
      if (!badRules.has(route.id)) {
        badRules.add(route.id);
        logger.error('invalid shadow comparison rules; comparisons of this route are recorded as errors', {
          route: route.id,
          error: errorDetails(error),
        });
      }
      return undefined;
    }
  };
}
