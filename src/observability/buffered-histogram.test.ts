import { describe, expect, it } from '@jest/globals';
import { Histogram, Registry } from 'prom-client';

import { BufferedHistogram } from './buffered-histogram.ts';

const BUCKETS = [0.001, 0.005, 0.01, 0.1, 1];
const OBSERVED: readonly (readonly [string, string, number])[] = [
  ['athletes-get', 'legacy', 0.0004],
  ['athletes-get', 'legacy', 0.001],
  ['athletes-get', 'legacy', 0.0011],
  ['athletes-get', 'new', 0.5],
  ['catch-all', 'legacy', 3],
  ['athletes-get', 'legacy', 0.07],
];

/** The same observations through prom-client's own Histogram and through the buffered one. */
function both() {
  const config = {
    name: 'strangler_request_duration_seconds',
    help: 'Time to the end of the response, by serving side',
    labelNames: ['route', 'target'] as const,
    buckets: BUCKETS,
  };
  const plainRegistry = new Registry();
  const bufferedRegistry = new Registry();
  const plain = new Histogram({ ...config, labelNames: [...config.labelNames], registers: [plainRegistry] });
  const buffered = new BufferedHistogram({
    ...config,
    labelNames: [...config.labelNames],
    registers: [bufferedRegistry],
  });
  const children = new Map<string, ReturnType<typeof buffered.child>>();
  for (const [route, target, seconds] of OBSERVED) {
    plain.labels(route, target).observe(seconds);
    const key = `${route} ${target}`;
    let child = children.get(key);
    if (child === undefined) children.set(key, (child = buffered.child({ route, target })));
    child.observe(seconds);
  }
  return { plain, buffered, plainRegistry, bufferedRegistry };
}

describe('BufferedHistogram', () => {
  it('scrapes exactly as prom-client’s own histogram with the same observations', async () => {
    const { plainRegistry, bufferedRegistry } = both();
    const text = await bufferedRegistry.metrics();
    expect(text).toBe(await plainRegistry.metrics());
    expect(text).toContain(
      'strangler_request_duration_seconds_bucket{le="0.001",route="athletes-get",target="legacy"} 2',
    );
    expect(await bufferedRegistry.getMetricsAsJSON()).toEqual(await plainRegistry.getMetricsAsJSON());
  });

  it('gives one label set one series, however often its child is asked for', async () => {
    const { buffered, bufferedRegistry } = both();
    buffered.child({ route: 'athletes-get', target: 'legacy' }).observe(0.2);
    const text = await bufferedRegistry.metrics();
    expect(text).toContain(
      'strangler_request_duration_seconds_count{route="athletes-get",target="legacy"} 5',
    );
    expect(text.match(/_count\{route="athletes-get",target="legacy"\}/g)).toHaveLength(1);
  });

  it('starts again from zero on reset', async () => {
    const { buffered, bufferedRegistry } = both();
    buffered.reset();
    expect(await bufferedRegistry.metrics()).not.toContain('route="athletes-get"');
  });

  it('exports values observed through prom-client’s own API beside its children', async () => {
    const { buffered, bufferedRegistry } = both();
    buffered.labels('other', 'legacy').observe(0.2);
    const text = await bufferedRegistry.metrics();
    expect(text).toContain('strangler_request_duration_seconds_count{route="other",target="legacy"} 1');
    expect(text).toContain(
      'strangler_request_duration_seconds_count{route="athletes-get",target="legacy"} 4',
    );
  });
});
