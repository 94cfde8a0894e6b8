import type { FlagContext, FlagResolver, ModeDecision } from '../../flags/flag-resolver.ts';
import type { Mode } from '../routing/route.ts';

type Rule = ModeDecision | ((context: FlagContext) => ModeDecision);

/** A FlagResolver whose answers tests set directly; it records every context it was asked with. */
export interface FakeFlagResolver extends FlagResolver {
  /** `new` serves new, everything else serves legacy; pass a function for canary-like rules. */
  set(flagName: string, rule: Mode | Rule): void;
  /** Forgets every rule set so far: each flag serves legacy again. */
  clear(): void;
  setKillSwitch(on: boolean): void;
  /** What isReady() answers: false until flags were loaded once. */
  setReady(ready: boolean): void;
  /** Makes every decide() throw, to prove the proxy survives a broken resolver. */
  breakWith(error: Error | undefined): void;
  readonly contexts: FlagContext[];
}

export function createFakeFlagResolver(
  initial: Readonly<Record<string, Mode | Rule>> = {},
  /** false for benchmarks: a context kept per request is a leak that grows with the run. */
  options: { readonly recordContexts?: boolean } = {},
): FakeFlagResolver {
  const recordContexts = options.recordContexts ?? true;
  const rules = new Map<string, Rule>();
  let killSwitch = false;
  let ready = true;
  let broken: Error | undefined;
  const contexts: FlagContext[] = [];
  const toRule = (rule: Mode | Rule): Rule =>
    typeof rule === 'string' ? { mode: rule, serve: rule === 'new' ? 'new' : 'legacy' } : rule;
  for (const [name, rule] of Object.entries(initial)) rules.set(name, toRule(rule));

  return {
    contexts,
    decide(flagName, context) {
      if (recordContexts) contexts.push(context);
      if (broken !== undefined) throw broken;
      if (killSwitch) return { mode: 'legacy', serve: 'legacy' };
      const rule = rules.get(flagName);
      if (rule === undefined) return { mode: 'legacy', serve: 'legacy' };
      return typeof rule === 'function' ? rule(context) : rule;
    },
    currentMode(flagName) {
      const rule = rules.get(flagName);
      if (rule === undefined || killSwitch) return 'legacy';
      return typeof rule === 'function' ? 'canary' : rule.mode;
    },
    killSwitchOn: () => killSwitch,
    isReady: () => ready,
    stop: () => Promise.resolve(),
    set(flagName, rule) {
      rules.set(flagName, toRule(rule));
    },
    clear() {
      rules.clear();
    },
    setKillSwitch(on) {
      killSwitch = on;
    },
    setReady(value) {
      ready = value;
    },
    breakWith(error) {
      broken = error;
    },
  };
}
