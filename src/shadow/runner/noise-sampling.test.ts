import { describe, expect, it } from '@jest/globals';

import { createSilentLogger } from '../../observability/logger.ts';
import { inlineComparer } from '../compare/off-thread-comparer.ts';
import { createNoiseSampling } from './noise-sampling.ts';

function samplingAt(clock: { ms: number }, random: () => number) {
  return createNoiseSampling({
    noise: { observeNoise: () => undefined },
    comparer: inlineComparer,
    calls: { legacy: () => Promise.reject(new Error('not called here')) },
    logger: createSilentLogger(),
    warmup: 2,
    sampleRate: 0.5,
    maxPerSecond: 2,
    random,
    now: () => new Date(clock.ms),
  });
}

describe('noise sampling', () => {
  it("learns from each route's first requests, then from the sampled fraction only", () => {
    let draw = 0.9;
    const sampling = samplingAt({ ms: 0 }, () => draw);
    expect([sampling.wants('a'), sampling.wants('a'), sampling.wants('a')]).toEqual([true, true, false]);
    expect(sampling.wants('b')).toBe(true);
    draw = 0.1;
    expect(sampling.wants('a')).toBe(true);
  });

  it('spends at most the per-second budget of second legacy calls per route after the warm-up', () => {
    const clock = { ms: 10_000 };
    const sampling = samplingAt(clock, () => 0);
    sampling.wants('a');
    sampling.wants('a');
    expect([sampling.wants('a'), sampling.wants('a'), sampling.wants('a')]).toEqual([true, true, false]);
    // Each route has a budget of its own.
    sampling.wants('b');
    sampling.wants('b');
    expect(sampling.wants('b')).toBe(true);
    clock.ms += 1000;
    expect(sampling.wants('a')).toBe(true);
  });
});
