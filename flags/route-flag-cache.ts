import type { Logger } from '../src/observability/logger.ts';
import type { FlagDefinition, PayloadDefinition } from './flag-definition.ts';
import { KILL_SWITCH_FLAG, type ModeDecision } from './flag-resolver.ts';
import type { FlagEvaluator } from './flag-source.ts';
import type { RouteFlagAnalysis } from './route-mode.ts';
import { analyseRouteFlag, sampleRateOf, targetOf } from './route-mode.ts';

export const LEGACY: ModeDecision = Object.freeze({ mode: 'legacy', serve: 'legacy' });
/** Distinct problems remembered for log-once; a bound keeps a pathological source from growing it forever. */
const MAX_REMEMBERED_PROBLEMS = 1000;

/** A route flag's analysis plus, when every caller gets the same one, the decision itself. */
export interface Analysis extends RouteFlagAnalysis {
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

/** Warns about each distinct problem once: a broken flag would otherwise log on every request. */
export class ProblemLog {
  readonly #reported = new Set<string>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  warnOnce(key: string, message: string, details: Record<string, unknown>): void {
    if (this.#reported.has(key)) return;
    if (this.#reported.size >= MAX_REMEMBERED_PROBLEMS) this.#reported.clear();
    this.#reported.add(key);
    this.#logger.warn(message, details);
  }
}

/**
 * What a flag definition means for a route, worked out once per definition object (unleash-client
 * replaces the object whenever the flags change, so a WeakMap keyed by it never goes stale).
 */
export class RouteFlagCache {
  readonly #analyses = new WeakMap<FlagDefinition, Analysis>();
  readonly #killSwitches = new WeakMap<FlagDefinition, boolean>();
  readonly #sampleRates = new WeakMap<PayloadDefinition, number | undefined>();
  readonly #problems: ProblemLog;

  constructor(problems: ProblemLog) {
    this.#problems = problems;
  }

  /** The route flag's analysis, or undefined when the kill switch is on or the flag is not defined. */
  routeMode(evaluator: FlagEvaluator, flagName: string): Analysis | undefined {
    if (this.killSwitchOn(evaluator)) return undefined;
    const definition = evaluator.getFeatureToggleDefinition(flagName);
    return definition === undefined ? undefined : this.#analysisOf(flagName, definition);
  }

  killSwitchOn(evaluator: FlagEvaluator): boolean {
    const definition = evaluator.getFeatureToggleDefinition(KILL_SWITCH_FLAG);
    if (definition === undefined) return false;
    let on = this.#killSwitches.get(definition);
    if (on === undefined) {
      // Evaluated once per definition with an empty context: the kill switch is global, not per caller.
      on = definition.enabled && evaluator.isEnabled(KILL_SWITCH_FLAG, {});
      this.#killSwitches.set(definition, on);
    }
    return on;
  }

  sampleRateFor(payload: PayloadDefinition | undefined): number | undefined {
    if (payload === undefined) return undefined;
    if (!this.#sampleRates.has(payload)) this.#sampleRates.set(payload, sampleRateOf(payload));
    return this.#sampleRates.get(payload);
  }

  #analysisOf(flagName: string, definition: FlagDefinition): Analysis {
    let analysis = this.#analyses.get(definition);
    if (analysis === undefined) {
      const found = analyseRouteFlag(definition);
      analysis = { ...found, decision: uniformDecision(found) };
      this.#analyses.set(definition, analysis);
      for (const variant of analysis.unknownVariants) {
        this.#problems.warnOnce(`variant:${flagName}:${variant}`, 'unknown flag variant, serving legacy', {
          flag: flagName,
          variant,
          known: ['legacy', 'shadow', 'new'],
        });
      }
    }
    return analysis;
  }
}
