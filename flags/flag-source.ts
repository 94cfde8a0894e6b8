import type { FlagDefinition, PayloadDefinition } from './flag-definition.ts';

/** unleash-client's evaluation context, as far as strangler fills it in. */
export interface EvaluationContext {
  readonly [field: string]: string | undefined;
  readonly userId?: string;
  readonly sessionId?: string;
  readonly remoteAddress?: string;
}

export interface EvaluatedVariant {
  readonly name: string;
  readonly enabled: boolean;
  readonly payload?: PayloadDefinition;
  readonly feature_enabled?: boolean;
}

/** The parts of an unleash-client `Unleash` instance the resolver uses. */
export interface FlagEvaluator {
  getFeatureToggleDefinition(name: string): FlagDefinition | undefined;
  getVariant(name: string, context: EvaluationContext): EvaluatedVariant;
  isEnabled(name: string, context: EvaluationContext): boolean;
  /** Usage metrics, as `getVariant` records them (optional: test doubles may leave them out). */
  count?(name: string, enabled: boolean): void;
  countVariant?(name: string, variant: string): void;
}

/**
 * Where the flags come from (a Unleash server, or flags.json offline). Both hand out an unleash-client
 * instance, so the evaluation code is the same either way.
 */
export interface FlagSource {
  /** The evaluator holding the flags in force; undefined until flags were loaded once. */
  current(): FlagEvaluator | undefined;
  isReady(): boolean;
  stop(): Promise<void>;
}
