import type { Logger } from '../src/observability/logger.ts';
import { errorDetails } from '../src/observability/logger.ts';
import type { Mode } from '../src/routing/route.ts';
import type { FlagContext, FlagResolver, ModeDecision } from './flag-resolver.ts';
import type { FlagEvaluator, FlagSource } from './flag-source.ts';
import { targetOf, variantSide } from './route-mode.ts';
import { type Analysis, LEGACY, ProblemLog, RouteFlagCache } from './route-flag-cache.ts';

/** What a failed lookup logs (once per distinct error) before it falls back. */
interface Failure {
  readonly key: string;
  readonly message: string;
  readonly flag?: string;
}

/** A flag lookup never throws: a failure is logged once and the safe fallback answers. */
function failSafe<T>(problems: ProblemLog, failure: Failure, fallback: T, lookup: () => T): T {
  try {
    return lookup();
  } catch (error: unknown) {
    const details = errorDetails(error);
    const logged = failure.flag === undefined ? { error: details } : { flag: failure.flag, error: details };
    problems.warnOnce(`${failure.key}:${String(details.message)}`, failure.message, logged);
    return fallback;
  }
}

/** Counts the request in Unleash's usage metrics as unleash-client's getVariant would count it. */
function countUniform(evaluator: FlagEvaluator, flagName: string, analysis: Analysis): void {
  const usage = analysis.usage;
  if (usage === undefined) return;
  evaluator.count?.(flagName, usage.enabled);
  evaluator.countVariant?.(flagName, usage.variant);
}

function decidePerCaller(
  cache: RouteFlagCache,
  evaluator: FlagEvaluator,
  flagName: string,
  analysis: Analysis,
  context: FlagContext,
): ModeDecision {
  const variant = evaluator.getVariant(flagName, {
    userId: context.stickinessId,
    sessionId: context.stickinessId,
    remoteAddress: context.remoteAddress,
  });
  if (variant.feature_enabled !== true) return { mode: analysis.mode, serve: 'legacy' };
  // Enabled without a variant means `new` (README.md, "Flags").
  const serve = variant.enabled ? targetOf(variantSide(variant.name)) : 'new';
  const sampleRate = cache.sampleRateFor(variant.payload);
  return sampleRate === undefined
    ? { mode: analysis.mode, serve }
    : { mode: analysis.mode, serve, sampleRate };
}

/**
 * The FlagResolver over unleash-client, whatever the flag source. `decide` is on every request's path,
 * so per flag definition the route's mode is worked out once (RouteFlagCache). When the definition
 * gives every caller the same outcome (off, on for everyone, one variant) that outcome is the
 * decision, and the request is counted in Unleash's usage metrics as unleash-client's getVariant would
 * count it; unleash-client evaluates per caller only when callers differ (canary, weighted variants,
 * constraints).
 */
export function createUnleashFlagResolver(source: FlagSource, logger: Logger): FlagResolver {
  const problems = new ProblemLog(logger);
  const cache = new RouteFlagCache(problems);

  const decide = (flagName: string, context: FlagContext): ModeDecision => {
    const evaluator = source.current();
    if (evaluator === undefined) return LEGACY;
    const analysis = cache.routeMode(evaluator, flagName);
    if (analysis === undefined) return LEGACY;
    if (analysis.decision === undefined)
      return decidePerCaller(cache, evaluator, flagName, analysis, context);
    countUniform(evaluator, flagName, analysis);
    return analysis.decision;
  };

  const currentMode = (flagName: string): Mode => {
    const evaluator = source.current();
    if (evaluator === undefined) return 'legacy';
    return cache.routeMode(evaluator, flagName)?.mode ?? 'legacy';
  };

  const killSwitchOn = (): boolean => {
    const evaluator = source.current();
    return evaluator !== undefined && cache.killSwitchOn(evaluator);
  };

  return {
    decide: (flagName, context) =>
      failSafe(
        problems,
        { key: `decide:${flagName}`, message: 'flag evaluation failed, serving legacy', flag: flagName },
        LEGACY,
        () => decide(flagName, context),
      ),
    currentMode: (flagName) =>
      failSafe(
        problems,
        { key: `mode:${flagName}`, message: 'flag mode lookup failed, reporting legacy', flag: flagName },
        'legacy',
        () => currentMode(flagName),
      ),
    killSwitchOn: () =>
      failSafe(problems, { key: 'kill', message: 'kill switch lookup failed' }, false, killSwitchOn),
    isReady: () => source.isReady(),
    stop: () => source.stop(),
  };
}
