import type { Logger } from '../src/observability/logger.ts';
import { errorDetails } from '../src/observability/logger.ts';
import type { Mode } from '../src/routing/route.ts';
import type { FlagDefinition, PayloadDefinition } from './flag-definition.ts';
import { KILL_SWITCH_FLAG, type FlagContext, type FlagResolver, type ModeDecision } from './flag-resolver.ts';
import type { FlagEvaluator, FlagSource } from './flag-source.ts';
import type { RouteFlagAnalysis } from './route-mode.ts';
import { analyseRouteFlag, sampleRateOf, targetOf, variantSide } from './route-mode.ts';

const LEGACY: ModeDecision = Object.freeze({ mode: 'legacy', serve: 'legacy' });
/** Distinct problems remembered for log-once; a bound keeps a pathological source from growing it forever. */
const MAX_REMEMBERED_PROBLEMS = 1000;

/** A route flag's analysis plus, when every caller gets the same one, the decision itself. */
interface Analysis extends RouteFlagAnalysis {
  readonly decision: ModeDecision | undefined;
}

function uniformDecision(analysis: RouteFlagAnalysis): ModeDecision | undefined {
  // Only where Unleash would count every caller alike too (see RouteFlagAnalysis.usage).
  if (analysis.usage === undefined) return undefined;
  if (analysis.mode === 'legacy') return LEGACY;
  if (analysis.uniform === undefined) return undefined;
  const sampleRate = sampleRateOf(analysis.uniform.payload);
  const serve = targetOf(analysis.uniform.side);
  return Object.freeze(
    sampleRate === undefined ? { mode: analysis.mode, serve } : { mode: analysis.mode, serve, sampleRate },
  );
}

/**
 * The FlagResolver over unleash-client, whatever the flag source. `decide` is on every request's path,
 * so per flag definition the route's mode is worked out once (cached by the definition object, which
 * unleash-client replaces whenever the flags change). When the definition gives every caller the same
 * outcome (off, on for everyone, one variant) that outcome is the decision, and the request is
 * counted in Unleash's usage metrics as unleash-client's getVariant would count it; unleash-client
 * evaluates per caller only when callers differ (canary, weighted variants, constraints).
 */
export function createUnleashFlagResolver(source: FlagSource, logger: Logger): FlagResolver {
  const analyses = new WeakMap<FlagDefinition, Analysis>();
  const killSwitches = new WeakMap<FlagDefinition, boolean>();
  const sampleRates = new WeakMap<PayloadDefinition, number | undefined>();
  const reported = new Set<string>();

  const reportOnce = (key: string, message: string, details: Record<string, unknown>): void => {
    if (reported.has(key)) return;
    if (reported.size >= MAX_REMEMBERED_PROBLEMS) reported.clear();
    reported.add(key);
    logger.warn(message, details);
  };

  const analysisOf = (flagName: string, definition: FlagDefinition): Analysis => {
    let analysis = analyses.get(definition);
    if (analysis === undefined) {
      const found = analyseRouteFlag(definition);
      analysis = { ...found, decision: uniformDecision(found) };
      analyses.set(definition, analysis);
      for (const variant of analysis.unknownVariants) {
        reportOnce(`variant:${flagName}:${variant}`, 'unknown flag variant, serving legacy', {
          flag: flagName,
          variant,
          known: ['legacy', 'shadow', 'new'],
        });
      }
    }
    return analysis;
  };

  const killSwitchOn = (evaluator: FlagEvaluator): boolean => {
    const definition = evaluator.getFeatureToggleDefinition(KILL_SWITCH_FLAG);
    if (definition === undefined) return false;
    let on = killSwitches.get(definition);
    if (on === undefined) {
      // Evaluated once per definition with an empty context: the kill switch is global, not per caller.
      on = definition.enabled && evaluator.isEnabled(KILL_SWITCH_FLAG, {});
      killSwitches.set(definition, on);
    }
    return on;
  };

  const sampleRateFor = (payload: PayloadDefinition | undefined): number | undefined => {
    if (payload === undefined) return undefined;
    if (!sampleRates.has(payload)) sampleRates.set(payload, sampleRateOf(payload));
    return sampleRates.get(payload);
  };

  const routeMode = (evaluator: FlagEvaluator, flagName: string): Analysis | undefined => {
    if (killSwitchOn(evaluator)) return undefined;
    const definition = evaluator.getFeatureToggleDefinition(flagName);
    return definition === undefined ? undefined : analysisOf(flagName, definition);
  };

  return {
    decide(flagName: string, context: FlagContext): ModeDecision {
      try {
        const evaluator = source.current();
        if (evaluator === undefined) return LEGACY;
        const analysis = routeMode(evaluator, flagName);
        if (analysis === undefined) return LEGACY;
        if (analysis.decision !== undefined) {
          const usage = analysis.usage;
          if (usage !== undefined) {
            evaluator.count?.(flagName, usage.enabled);
            evaluator.countVariant?.(flagName, usage.variant);
          }
          return analysis.decision;
        }
        const variant = evaluator.getVariant(flagName, {
          userId: context.stickinessId,
          sessionId: context.stickinessId,
          remoteAddress: context.remoteAddress,
        });
        if (variant.feature_enabled !== true) return { mode: analysis.mode, serve: 'legacy' };
        // Enabled without a variant means `new` (README.md, "Flags").
        const serve = variant.enabled ? targetOf(variantSide(variant.name)) : 'new';
        const sampleRate = sampleRateFor(variant.payload);
        return sampleRate === undefined
          ? { mode: analysis.mode, serve }
          : { mode: analysis.mode, serve, sampleRate };
      } catch (error: unknown) {
        const details = errorDetails(error);
        reportOnce(
          `decide:${flagName}:${String(details.message)}`,
          'flag evaluation failed, serving legacy',
          {
            flag: flagName,
            error: details,
          },
        );
        return LEGACY;
      }
    },

    currentMode(flagName: string): Mode {
      try {
        const evaluator = source.current();
        if (evaluator === undefined) return 'legacy';
        return routeMode(evaluator, flagName)?.mode ?? 'legacy';
      } catch (error: unknown) {
        const details = errorDetails(error);
        reportOnce(
          `mode:${flagName}:${String(details.message)}`,
          'flag mode lookup failed, reporting legacy',
          {
            flag: flagName,
            error: details,
          },
        );
        return 'legacy';
      }
    },

    killSwitchOn(): boolean {
      try {
        const evaluator = source.current();
        return evaluator !== undefined && killSwitchOn(evaluator);
      } catch (error: unknown) {
        const details = errorDetails(error);
        reportOnce(`kill:${String(details.message)}`, 'kill switch lookup failed', { error: details });
        return false;
      }
    },

    isReady: () => source.isReady(),
    stop: () => source.stop(),
  };
}
