import { describe, expect, it } from '@jest/globals';

import { compared, medianInterval } from './cpu-against-floor.ts';

describe('medianInterval', () => {
  it('gives the order statistics of the binomial 95% interval for the median', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    // For n = 100 the 40th and 61st of the sorted values (the textbook table).
    expect(medianInterval(values)).toEqual([40, 61]);
  });

  it('narrows with more values and never leaves them', () => {
    const values = Array.from({ length: 400 }, (_, i) => i + 1);
    const [low, high] = medianInterval(values);
    expect(high - low).toBeLessThan(45);
    expect(medianInterval([7])).toEqual([7, 7]);
  });
});

describe('compared', () => {
  it('names the targets that are held against a baseline present in the same run, and the baseline', () => {
    expect(
      compared(['direct', 'node:http+undici floor', 'strangler catch-all undici', 'strangler route undici']),
    ).toEqual(['node:http+undici floor', 'strangler catch-all undici', 'strangler route undici']);
    expect(compared(['strangler catch-all undici', 'strangler catch-all traced undici'])).toEqual([
      'strangler catch-all undici',
      'strangler catch-all traced undici',
    ]);
  });

  it('knows the floor with the forwarding headers as a baseline of its own', () => {
    expect(compared(['node:http+undici floor, forwarding', 'strangler route undici'])).toEqual([
      'node:http+undici floor, forwarding',
      'strangler route undici',
    ]);
  });

  it('names none without a pair', () => {
    expect(compared(['direct', 'strangler route undici'])).toEqual([]);
  });
});
