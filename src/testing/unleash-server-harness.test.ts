import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startUnleashServer, type UnleashServerHarness } from './unleash-server-harness.ts';

let unleash: UnleashServerHarness;

beforeAll(async () => {
  unleash = await startUnleashServer();
}, 150_000);
afterAll(async () => {
  await unleash?.stop();
}, 30_000);

interface ClientStrategy {
  name: string;
  parameters: Record<string, string>;
  variants?: { name: string; weight: number; payload?: { type: string; value: string } }[];
}
type ClientFeature = { name: string; enabled: boolean; strategies: ClientStrategy[] };
async function clientFeature(name: string): Promise<ClientFeature | undefined> {
  const { features } = (await unleash.clientFeatures()) as { features: ClientFeature[] };
  return features.find((f) => f.name === name);
}
/**
 * The Client API publishes admin changes when Unleash's revision poller (1 s) notices them, so a
 * change is awaited, briefly, rather than expected on the very next request.
 */
async function published(
  name: string,
  check: (feature: ClientFeature | undefined) => boolean,
): Promise<ClientFeature | undefined> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const feature = await clientFeature(name);
    if (check(feature) || Date.now() > deadline) return feature;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// kill() and restart() are exercised by flags/online-flag-resolver.test.ts (an outage and recovery),
// so this file spends no second server start on them.
describe('unleash-server harness', () => {
  it('serves a flag created through the Admin API on the Client API with the client token', async () => {
    await unleash.createFlag('strangler.harness-a');
    expect(await published('strangler.harness-a', (f) => f !== undefined)).toMatchObject({ enabled: false });

    await unleash.setRollout('strangler.harness-a', 50);
    await unleash.enable('strangler.harness-a');
    const feature = await published('strangler.harness-a', (f) => f?.enabled === true);
    expect(feature?.enabled).toBe(true);
    expect(feature?.strategies).toEqual([
      expect.objectContaining({
        name: 'flexibleRollout',
        parameters: expect.objectContaining({ rollout: '50', stickiness: 'default' }),
      }),
    ]);
  });

  it('keeps one rollout strategy and its variants across percentage changes', async () => {
    await unleash.createFlag('strangler.harness-b');
    await unleash.setVariants('strangler.harness-b', [
      { name: 'shadow', payload: { type: 'json', value: '{"sampleRate":0.2}' } },
      { name: 'new' },
    ]);
    await unleash.setRollout('strangler.harness-b', 30);
    await unleash.enable('strangler.harness-b');
    const strategies = (await published('strangler.harness-b', (f) => f?.enabled === true))?.strategies ?? [];
    expect(strategies).toHaveLength(1);
    expect(strategies[0]?.parameters.rollout).toBe('30');
    const variants = strategies[0]?.variants ?? [];
    expect(Object.fromEntries(variants.map((v) => [v.name, v.weight]))).toEqual({ shadow: 500, new: 500 });
    expect(variants.find((v) => v.name === 'shadow')?.payload).toEqual({
      type: 'json',
      value: '{"sampleRate":0.2}',
    });

    await unleash.disable('strangler.harness-b');
    expect((await published('strangler.harness-b', (f) => f?.enabled === false))?.enabled).toBe(false);
    await unleash.deleteFlag('strangler.harness-b');
    expect(await published('strangler.harness-b', (f) => f === undefined)).toBeUndefined();
  });

  it('rejects requests without a valid token', async () => {
    const response = await fetch(`${unleash.url}client/features`, { headers: { Authorization: 'nope' } });
    expect(response.status).toBe(401);
    await response.body?.cancel();
  });
});
