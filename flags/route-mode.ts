import type { Mode, Target } from '../src/routing/route.ts';
import type {
  FlagDefinition,
  PayloadDefinition,
  StrategyDefinition,
  VariantDefinition,
} from './flag-definition.ts';

/** What one variant asks for. A `shadow` caller is served by legacy while the new handler is compared. */
export type VariantSide = 'legacy' | 'shadow' | 'new';

const VARIANT_SIDES: ReadonlyMap<string, VariantSide> = new Map([
  ['legacy', 'legacy'],
  ['shadow', 'shadow'],
  ['new', 'new'],
]);

/** Unknown variant names resolve to legacy: a typo in a flag must not send traffic to the new side. */
export function variantSide(name: string): VariantSide | undefined {
  return VARIANT_SIDES.get(name);
}

export function targetOf(side: VariantSide | undefined): Target {
  return side === 'new' ? 'new' : 'legacy';
}

/** The variant name unleash-client reports (and counts) when no variant applies. */
const DISABLED_VARIANT = 'disabled';

export interface RouteFlagAnalysis {
  /** The route's mode as a whole, for `currentMode`, the route-mode gauge and the proxy's shadowing. */
  readonly mode: Mode;
  /** Variant names that are not legacy/shadow/new; they serve legacy and are worth a log line. */
  readonly unknownVariants: readonly string[];
  /**
   * Set when every caller gets the same outcome (e.g. enabled for everyone without variants), so the
   * request path can skip per-caller evaluation.
   */
  readonly uniform?: { readonly side: VariantSide; readonly payload?: PayloadDefinition };
  /**
   * Set when every caller would also be counted the same in Unleash's usage metrics: enabled or not,
   * and the variant unleash-client reports (`disabled` where none applies). A resolver that skips the
   * per-caller evaluation counts this instead, so a route flag in force for everyone still shows as
   * used in Unleash (and is not taken for a stale flag).
   */
  readonly usage?: { readonly enabled: boolean; readonly variant: string };
}

/** Strategies that enable a flag for every caller; anything else leaves some callers on legacy. */
const PERCENT_PARAMETER: Readonly<Record<string, string>> = {
  flexibleRollout: 'rollout',
  gradualRolloutRandom: 'percentage',
  gradualRolloutUserId: 'percentage',
  gradualRolloutSessionId: 'percentage',
};

function rolloutOf(strategy: StrategyDefinition): number | undefined {
  if (strategy.name === 'default') return 100;
  const parameter = PERCENT_PARAMETER[strategy.name];
  if (parameter === undefined) return undefined;
  const raw = strategy.parameters?.[parameter];
  const value = typeof raw === 'string' || typeof raw === 'number' ? Number(raw) : NaN;
  return Number.isFinite(value) ? value : undefined;
}

function coversEveryone(strategy: StrategyDefinition): boolean {
  const unconditional = (strategy.constraints?.length ?? 0) === 0 && (strategy.segments?.length ?? 0) === 0;
  return unconditional && (rolloutOf(strategy) ?? 0) >= 100;
}

function reachesNobody(strategy: StrategyDefinition): boolean {
  return strategy.disabled === true || rolloutOf(strategy) === 0;
}

/**
 * The mode a route flag puts its route in, from the flag's definition alone: which sides can some
 * caller be sent to? Only legacy → legacy; new and anything else → canary (a partial rollout or
 * weighted variants mixing sides); only new → new; shadow (with or without legacy) → shadow.
 * unleash-client decides each request; this only names the whole for display and shadowing.
 */
export function analyseRouteFlag(flag: FlagDefinition): RouteFlagAnalysis {
  if (!flag.enabled) {
    return {
      mode: 'legacy',
      unknownVariants: [],
      uniform: { side: 'legacy' },
      usage: { enabled: false, variant: DISABLED_VARIANT },
    };
  }
  const outcomes: { side: VariantSide; payload?: PayloadDefinition }[] = [];
  // The usage metrics' view of each outcome: the variant name a caller is counted under.
  const counted = new Set<string>();
  const unknown = new Set<string>();
  const addVariants = (variants: readonly VariantDefinition[]): void => {
    const weighted = variants.filter((v) => v.weight > 0);
    if (weighted.length === 0) {
      outcomes.push({ side: 'new' });
      counted.add(DISABLED_VARIANT);
    }
    for (const v of weighted) {
      const side = variantSide(v.name);
      if (side === undefined) unknown.add(v.name);
      outcomes.push({ side: side ?? 'legacy', payload: v.payload });
      counted.add(v.name);
    }
  };

  const all = flag.strategies ?? [];
  const strategies = all.filter((s) => !reachesNobody(s));
  const featureVariants = flag.variants ?? [];
  // unleash-client: an enabled flag with no strategies is on for everyone.
  if (all.length === 0) addVariants(featureVariants);
  for (const strategy of strategies) {
    addVariants(
      strategy.variants !== undefined && strategy.variants.length > 0 ? strategy.variants : featureVariants,
    );
  }
  // Callers no strategy enables, or whose parent flag is off, stay on legacy.
  const everyone = all.length === 0 || strategies.some(coversEveryone);
  const someOff = !everyone || (flag.dependencies?.length ?? 0) > 0;
  if (someOff) outcomes.push({ side: 'legacy' });
  const [onlyVariant] = counted;
  // Counted alike: every caller enabled under one variant name, or (no strategy reaching anyone) none.
  const usage =
    !someOff && counted.size === 1 && onlyVariant !== undefined
      ? { enabled: true, variant: onlyVariant }
      : all.length > 0 && strategies.length === 0
        ? { enabled: false, variant: DISABLED_VARIANT }
        : undefined;

  const sides = new Set(outcomes.map((o) => o.side));
  const mode: Mode = sides.has('new')
    ? sides.size > 1
      ? 'canary'
      : 'new'
    : sides.has('shadow')
      ? 'shadow'
      : 'legacy';
  const first = outcomes[0];
  const samePayload = (a?: PayloadDefinition, b?: PayloadDefinition) =>
    a?.type === b?.type && a?.value === b?.value;
  const uniform =
    first !== undefined &&
    outcomes.every((o) => o.side === first.side && samePayload(o.payload, first.payload))
      ? first
      : undefined;
  return {
    mode,
    unknownVariants: [...unknown],
    ...(uniform === undefined ? {} : { uniform }),
    ...(usage === undefined ? {} : { usage }),
  };
}

/**
 * `sampleRate` from a variant payload such as `{ "type": "json", "value": "{\"sampleRate\":0.2}" }`,
 * or a plain number payload. Undefined when absent or out of 0..1 (the route's own rate applies).
 */
export function sampleRateOf(
  payload: { readonly type: string; readonly value: string } | undefined,
): number | undefined {
  if (payload === undefined) return undefined;
  let value: unknown;
  if (payload.type === 'json') {
    try {
      const parsed: unknown = JSON.parse(payload.value);
      value =
        typeof parsed === 'object' && parsed !== null
          ? (parsed as { sampleRate?: unknown }).sampleRate
          : undefined;
    } catch {
      return undefined;
    }
  } else if (payload.type === 'number') {
    value = Number(payload.value);
  }
  return typeof value === 'number' && value >= 0 && value <= 1 ? value : undefined;
}
