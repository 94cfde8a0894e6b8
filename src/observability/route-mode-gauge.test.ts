import { describe, expect, it } from '@jest/globals';
import type { FlagResolver } from '../../flags/flag-resolver.ts';
import { createFakeFlagResolver } from '../testing/fake-flag-resolver.ts';
import { jsonResponse } from '../handlers/new-handler.ts';
import type { Mode, RouteRecord } from '../routing/route.ts';
import { createMetrics } from './metrics.ts';
import { effectiveRouteMode, refreshRouteModeGauge } from './route-mode-gauge.ts';

const record = (id: string): RouteRecord => ({
  id,
  methods: ['GET'],
  path: `/${id}`,
  flag: `strangler.${id}`,
  handler: async () => jsonResponse(200, {}),
  stickiness: { kind: 'client-address' },
});

async function gaugeValues(metrics: ReturnType<typeof createMetrics>): Promise<Record<string, number>> {
  const { values } = await metrics.routeMode.get();
  return Object.fromEntries(
    values.map((v) => [`${String(v.labels.route)}/${String(v.labels.mode)}`, v.value]),
  );
}

describe('refreshRouteModeGauge', () => {
  it('sets exactly one mode to 1 per route and follows flag changes', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const flags = createFakeFlagResolver();
    flags.set('strangler.a', 'shadow');
    refreshRouteModeGauge(metrics, [record('a'), record('b')], flags);
    expect(await gaugeValues(metrics)).toEqual({
      'a/legacy': 0,
      'a/shadow': 1,
      'a/canary': 0,
      'a/new': 0,
      'b/legacy': 1,
      'b/shadow': 0,
      'b/canary': 0,
      'b/new': 0,
    });
    flags.set('strangler.a', 'new');
    refreshRouteModeGauge(metrics, [record('a'), record('b')], flags);
    expect(await gaugeValues(metrics)).toMatchObject({ 'a/shadow': 0, 'a/new': 1 });
  });
});

describe('effectiveRouteMode', () => {
  /** A resolver that ignores the kill switch in currentMode, to prove the gauge applies it itself. */
  const resolver = (
    mode: () => Mode,
    killSwitch = false,
  ): Pick<FlagResolver, 'currentMode' | 'killSwitchOn'> => ({
    currentMode: mode,
    killSwitchOn: () => killSwitch,
  });

  it('reports legacy for every route while the kill switch is on', () => {
    expect(
      effectiveRouteMode(
        resolver(() => 'new', true),
        'strangler.a',
      ),
    ).toBe('legacy');
    expect(
      effectiveRouteMode(
        resolver(() => 'new', false),
        'strangler.a',
      ),
    ).toBe('new');
  });

  it('reads a throwing resolver or an unknown mode as legacy instead of failing the scrape', () => {
    const throwing = resolver(() => {
      throw new Error('resolver bug');
    });
    expect(effectiveRouteMode(throwing, 'strangler.a')).toBe('legacy');
    expect(
      effectiveRouteMode(
        resolver(() => 'dark-launch' as Mode),
        'strangler.a',
      ),
    ).toBe('legacy');
  });
});
