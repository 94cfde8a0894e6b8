import { describe, expect, it } from '@jest/globals';
import type { FlagEvaluator, FlagSource } from './flag-source.ts';
import { createCapturingLogger } from './flag-test-support.ts';
import { createUnleashFlagResolver } from './unleash-flag-resolver.ts';

/** A flag source whose SDK instance fails the way a corrupt definition or an SDK bug would. */
function brokenSource(message: string): FlagSource {
  const fail = (): never => {
    throw new TypeError(message);
  };
  const evaluator: FlagEvaluator = { getFeatureToggleDefinition: fail, getVariant: fail, isEnabled: fail };
  return { current: () => evaluator, isReady: () => true, stop: async () => undefined };
}

describe('flag resolver failure handling', () => {
  it('never throws from decide: a failing evaluation serves legacy and is logged once per problem', () => {
    const capture = createCapturingLogger();
    const flags = createUnleashFlagResolver(brokenSource('definition is corrupt'), capture.logger);
    for (let i = 0; i < 100; i++) {
      expect(flags.decide('strangler.athletes-list', { stickinessId: `t${i}` })).toEqual({
        mode: 'legacy',
        serve: 'legacy',
      });
    }
    expect(flags.currentMode('strangler.athletes-list')).toBe('legacy');
    expect(flags.killSwitchOn()).toBe(false);
    const failures = capture.lines().filter((l) => l.message === 'flag evaluation failed, serving legacy');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 'warn', flag: 'strangler.athletes-list' });
  });

  it('serves legacy before any flags were loaded', () => {
    const capture = createCapturingLogger();
    const flags = createUnleashFlagResolver(
      { current: () => undefined, isReady: () => false, stop: async () => undefined },
      capture.logger,
    );
    expect(flags.isReady()).toBe(false);
    expect(flags.decide('strangler.athletes-list', { stickinessId: 'a' })).toEqual({
      mode: 'legacy',
      serve: 'legacy',
    });
    expect(flags.currentMode('strangler.athletes-list')).toBe('legacy');
    expect(capture.lines()).toEqual([]);
  });
});
