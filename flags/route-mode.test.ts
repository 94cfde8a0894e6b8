import { describe, expect, it } from '@jest/globals';
import type { FlagDefinition, StrategyDefinition } from './flag-definition.ts';
import { analyseRouteFlag, sampleRateOf } from './route-mode.ts';

const flag = (strategies: StrategyDefinition[], extra: Partial<FlagDefinition> = {}): FlagDefinition => ({
  name: 'strangler.r',
  enabled: true,
  strategies,
  ...extra,
});
const rollout = (percent: number, extra: Partial<StrategyDefinition> = {}): StrategyDefinition => ({
  name: 'flexibleRollout',
  parameters: { rollout: String(percent), stickiness: 'default' },
  ...extra,
});
const variant = (name: string, weight: number) => ({ name, weight });

describe('route mode of a flag definition', () => {
  it.each<[string, FlagDefinition, string]>([
    ['disabled', flag([rollout(100)], { enabled: false }), 'legacy'],
    ['enabled without strategies', flag([]), 'new'],
    ['default strategy', flag([{ name: 'default' }]), 'new'],
    ['flexibleRollout 100%', flag([rollout(100)]), 'new'],
    ['flexibleRollout 50%', flag([rollout(50)]), 'canary'],
    ['flexibleRollout 0%', flag([rollout(0)]), 'legacy'],
    [
      'legacy gradualRolloutUserId 30%',
      flag([{ name: 'gradualRolloutUserId', parameters: { percentage: '30' } }]),
      'canary',
    ],
    [
      'a strategy only some callers match',
      flag([{ name: 'userWithId', parameters: { userIds: 'a,b' } }]),
      'canary',
    ],
    ['100% but constrained', flag([rollout(100, { constraints: [{ contextName: 'userId' }] })]), 'canary'],
    ['100% but behind a segment', flag([rollout(100, { segments: [3] })]), 'canary'],
    [
      '100% but depending on a parent flag',
      flag([rollout(100)], { dependencies: [{ feature: 'p' }] }),
      'canary',
    ],
    ['only a disabled strategy', flag([rollout(100, { disabled: true })]), 'legacy'],
    ['shadow variant at 100%', flag([rollout(100, { variants: [variant('shadow', 1000)] })]), 'shadow'],
    ['shadow variant at 30%', flag([rollout(30, { variants: [variant('shadow', 1000)] })]), 'shadow'],
    [
      'new + shadow variants',
      flag([rollout(100, { variants: [variant('new', 500), variant('shadow', 500)] })]),
      'canary',
    ],
    [
      'new variant beside a zero-weight shadow',
      flag([rollout(100, { variants: [variant('new', 1000), variant('shadow', 0)] })]),
      'new',
    ],
    ['feature-level variants', flag([rollout(100)], { variants: [variant('shadow', 1000)] }), 'shadow'],
    [
      'strategy variants win over feature variants',
      flag([rollout(100, { variants: [variant('new', 1000)] })], { variants: [variant('shadow', 1000)] }),
      'new',
    ],
    ['unknown variant', flag([rollout(100, { variants: [variant('neww', 1000)] })]), 'legacy'],
  ])('%s → %s', (_name, definition, mode) => {
    expect(analyseRouteFlag(definition).mode).toBe(mode);
  });

  it('names unknown variants so they can be logged', () => {
    expect(
      analyseRouteFlag(flag([rollout(100, { variants: [variant('neww', 500), variant('new', 500)] })]))
        .unknownVariants,
    ).toEqual(['neww']);
  });

  it('says how Unleash counts a flag only when it counts every caller alike', () => {
    expect(analyseRouteFlag(flag([rollout(100)], { enabled: false })).usage).toEqual({
      enabled: false,
      variant: 'disabled',
    });
    expect(analyseRouteFlag(flag([rollout(100)])).usage).toEqual({ enabled: true, variant: 'disabled' });
    expect(analyseRouteFlag(flag([rollout(100, { variants: [variant('shadow', 1000)] })])).usage).toEqual({
      enabled: true,
      variant: 'shadow',
    });
    expect(analyseRouteFlag(flag([rollout(0)])).usage).toEqual({ enabled: false, variant: 'disabled' });
    // Some callers not enabled, or two variant names for the same side: counted per caller.
    expect(
      analyseRouteFlag(flag([rollout(50, { variants: [variant('legacy', 1000)] })])).usage,
    ).toBeUndefined();
    expect(
      analyseRouteFlag(flag([rollout(100, { variants: [variant('legacy', 500), variant('x', 500)] })])).usage,
    ).toBeUndefined();
  });

  it('marks a flag as uniform only when every caller gets the same side and payload', () => {
    const payload = { type: 'json', value: '{"sampleRate":0.5}' };
    expect(analyseRouteFlag(flag([rollout(100)])).uniform).toEqual({ side: 'new' });
    expect(
      analyseRouteFlag(flag([rollout(100, { variants: [{ name: 'shadow', weight: 1000, payload }] })]))
        .uniform,
    ).toEqual({ side: 'shadow', payload });
    expect(analyseRouteFlag(flag([rollout(50)])).uniform).toBeUndefined();
    expect(
      analyseRouteFlag(
        flag([
          rollout(100, {
            variants: [
              { name: 'shadow', weight: 500, payload },
              { name: 'shadow', weight: 500 },
            ],
          }),
        ]),
      ).uniform,
    ).toBeUndefined();
  });
});

describe('sample rate from a variant payload', () => {
  it.each<[{ type: string; value: string } | undefined, number | undefined]>([
    [{ type: 'json', value: '{"sampleRate":0.2}' }, 0.2],
    [{ type: 'json', value: '{"sampleRate":0}' }, 0],
    [{ type: 'number', value: '1' }, 1],
    [{ type: 'json', value: '{"sampleRate":1.5}' }, undefined],
    [{ type: 'json', value: '{"sampleRate":"0.2"}' }, undefined],
    [{ type: 'json', value: 'not json' }, undefined],
    [{ type: 'string', value: '0.2' }, undefined],
    [undefined, undefined],
  ])('%j → %p', (payload, rate) => {
    expect(sampleRateOf(payload)).toBe(rate);
  });
});
