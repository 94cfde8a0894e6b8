import { describe, expect, it, jest } from '@jest/globals';

import { compared, medianInterval, printCpuAgainstFloor } from './cpu-against-floor.ts';
import type { Rounds } from './cpu-against-floor.ts';

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

/** One start of the floor and the catch-all, the catch-all costing `ratio` times the floor in every slice. */
function start(ratio: number): Rounds[] {
  const floor = [40, 50, 45, 60, 42];
  return [
    { name: 'node:http+undici floor', cpuMicrosPerRequest: floor },
    { name: 'strangler catch-all undici', cpuMicrosPerRequest: floor.map((cpu) => cpu * ratio) },
  ];
}

function printed(starts: Rounds[][]): string {
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    printCpuAgainstFloor(starts, 'test');
    return log.mock.calls.map((call) => call.join(' ')).join('\n');
  } finally {
    log.mockRestore();
  }
}

describe('printCpuAgainstFloor', () => {
  it('judges one start by the median of its paired ratios', () => {
    expect(printed([start(1.1)])).toMatch(/strangler catch-all undici: 1\.100x .* meets ≤ 1\.15x/);
  });

  it('judges several starts by the median of their medians, and lists each', () => {
    const output = printed([start(1.1), start(1.3), start(1.12), start(1.2)]);
    expect(output).toMatch(/1\.160x the node:http\+undici floor \(median over 4 starts/);
    expect(output).toMatch(/1\.100 1\.300 1\.120 1\.200\), misses ≤ 1\.15x/);
  });
});
