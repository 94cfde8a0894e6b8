import { describe, expect, it } from '@jest/globals';
import type { FlagEvaluator, FlagSource } from './flag-source.ts';
import { createCapturingLogger, rolloutFlag, startReferenceUnleash } from './flag-test-support.ts';
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

describe('Unleash usage metrics', () => {
  it('count every request as unleash-client would, also where the decision skips the per-caller evaluation', async () => {
    const features = [
      rolloutFlag('strangler.off', { enabled: false }),
      rolloutFlag('strangler.all-new'),
      rolloutFlag('strangler.zero', { rollout: 0 }),
      rolloutFlag('strangler.one-shadow', { variants: [{ name: 'shadow', weight: 1000 }] }),
      rolloutFlag('strangler.canary', { rollout: 50 }),
      // Legacy for everyone, but only half are enabled: Unleash counts the halves apart.
      rolloutFlag('strangler.half-legacy', { rollout: 50, variants: [{ name: 'legacy', weight: 1000 }] }),
      // Legacy for everyone under two names (an unknown one serves legacy too).
      rolloutFlag('strangler.two-names', {
        variants: [
          { name: 'legacy', weight: 500 },
          { name: 'legacyy', weight: 500 },
        ],
      }),
      { name: 'strangler.no-strategies', enabled: true, strategies: [] },
    ];
    const sdk = await startReferenceUnleash(features);
    try {
      // What reaches the usage metrics through each path, as "enabled:variant" per flag.
      const counted = new Map<string, string[]>();
      const record = (name: string, entry: string) =>
        counted.set(name, [...(counted.get(name) ?? []), entry]);
      let pendingEnabled: boolean | undefined;
      const evaluator: FlagEvaluator = {
        getFeatureToggleDefinition: (name) => sdk.getFeatureToggleDefinition(name),
        isEnabled: (name, context) => sdk.isEnabled(name, context),
        getVariant: (name, context) => {
          const variant = sdk.getVariant(name, context);
          record(name, `${variant.feature_enabled === true}:${variant.name}`);
          return variant;
        },
        count: (_name, enabled) => {
          pendingEnabled = enabled;
        },
        countVariant: (name, variant) => record(name, `${pendingEnabled}:${variant}`),
      };
      const flags = createUnleashFlagResolver(
        { current: () => evaluator, isReady: () => true, stop: async () => undefined },
        createCapturingLogger().logger,
      );
      const expected = new Map<string, string[]>();
      for (const { name } of features) {
        for (let i = 0; i < 40; i++) {
          const id = `tenant-${i}`;
          flags.decide(name as string, { stickinessId: id });
          const reference = sdk.getVariant(name as string, { userId: id, sessionId: id });
          expected.set(name as string, [
            ...(expected.get(name as string) ?? []),
            `${reference.feature_enabled === true}:${reference.name}`,
          ]);
        }
      }
      for (const { name } of features) {
        expect([name, [...(counted.get(name as string) ?? [])].sort()]).toEqual([
          name,
          [...(expected.get(name as string) ?? [])].sort(),
        ]);
      }
      // The shortcut itself still applies where Unleash would count every caller alike.
      expect(counted.get('strangler.all-new')).toHaveLength(40);
      expect(new Set(counted.get('strangler.half-legacy'))).toEqual(
        new Set(['true:legacy', 'false:disabled']),
      );
    } finally {
      sdk.destroy();
    }
  });
});
