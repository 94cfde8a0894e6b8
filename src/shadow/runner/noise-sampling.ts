import type { Logger } from '../../observability/logger.ts';
import { errorDetails } from '../../observability/logger.ts';
import type { RouteRecord } from '../../routing/route.ts';
import type { CapturedRequest, CapturedResponse } from '../captured-exchange.ts';
import type { CompiledCompareRules } from '../compare/compare-rules.ts';
import type { Comparer } from '../compare/off-thread-comparer.ts';
import type { NoiseModel } from '../noise/noise-model.ts';
import type { ShadowCalls } from './call.ts';
import type { ShadowDefaults } from './sample.ts';

export interface NoiseSamplingDeps {
  readonly noise: Pick<NoiseModel, 'observeNoise'>;
  readonly comparer: Comparer;
  readonly calls: Pick<ShadowCalls, 'legacy'>;
  readonly logger: Logger;
  /** The first N compared safe requests of each route always learn noise. */
  readonly warmup: number;
  /** Fraction of the later ones that do. */
  readonly sampleRate: number;
  /** At most this many of those per route per second. */
  readonly maxPerSecond: number;
  readonly random: () => number;
  readonly now: () => Date;
}

/**
 * Noise is learned by calling legacy a second time and comparing legacy with itself (safe methods
 * only): what differs between two legacy answers differs for reasons no new handler can fix.
 */
export interface NoiseSampling {
  /** Whether this compared request of the route also learns noise; spends the route's budget. */
  wants(routeId: string): boolean;
  /** Calls legacy again and tells the noise model how the two legacy answers differ. */
  learn(
    route: RouteRecord,
    request: CapturedRequest,
    legacy: CapturedResponse,
    rules: CompiledCompareRules,
    settings: ShadowDefaults,
  ): Promise<void>;
}

export function createNoiseSampling(deps: NoiseSamplingDeps): NoiseSampling {
  const { noise, comparer, calls, logger, warmup, sampleRate, maxPerSecond, random, now } = deps;
  const samplesSeen = new Map<string, number>();
  /** Per route: the second (since the epoch) of the current budget, and how much of it is spent. */
  const budgets = new Map<string, { second: number; spent: number }>();

  return {
    wants(routeId) {
      const seen = samplesSeen.get(routeId) ?? 0;
      if (seen < warmup) {
        samplesSeen.set(routeId, seen + 1);
        return true;
      }
      if (!(random() < sampleRate)) return false;
      const second = Math.floor(now().getTime() / 1000);
      let budget = budgets.get(routeId);
      if (budget === undefined) budgets.set(routeId, (budget = { second, spent: 0 }));
      if (budget.second !== second) {
        budget.second = second;
        budget.spent = 0;
      }
      if (budget.spent >= maxPerSecond) return false;
      budget.spent += 1;
      return true;
    },
    async learn(route, request, legacy, rules, settings) {
      try {
        const again = await calls.legacy(request, settings);
        if (again.truncated === true) return;
        noise.observeNoise(route.id, (await comparer.compare(legacy, again, rules)).differences);
      } catch (error: unknown) {
        // A failed second call teaches nothing about noise; the comparison itself goes on.
        logger.debug('shadow noise sample failed', { route: route.id, error: errorDetails(error) });
      }
    },
  };
}
