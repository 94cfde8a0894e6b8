import { describe, expect, it } from '@jest/globals';

import { backoffDelayMs } from './backoff.ts';
import { parseOwnership } from './sync-entities.ts';

describe('retry backoff', () => {
  const options = { baseMs: 100, maxMs: 1000 };

  it('doubles the ceiling per attempt and never exceeds the maximum', () => {
    expect([1, 2, 3, 4, 5, 10].map((a) => backoffDelayMs(a, options, () => 1))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('jitters within the upper half of the ceiling so retries of one failed batch spread out', () => {
    expect(backoffDelayMs(3, options, () => 0)).toBe(200);
    expect(backoffDelayMs(3, options, () => 0.5)).toBe(300);
    const samples = new Set(Array.from({ length: 50 }, () => backoffDelayMs(4, options)));
    expect(samples.size).toBeGreaterThan(10);
  });
});

describe('entity ownership configuration', () => {
  it('defaults every entity to legacy and takes the named owners', () => {
    expect(parseOwnership('athletes=new')).toEqual({
      organisations: 'legacy',
      squads: 'legacy',
      athletes: 'new',
      wellness_entries: 'legacy',
    });
    expect(parseOwnership(undefined)).toEqual({
      organisations: 'legacy',
      squads: 'legacy',
      athletes: 'legacy',
      wellness_entries: 'legacy',
    });
  });

  it('reports every problem at once', () => {
    expect(() => parseOwnership('athlete=new,wellness_entries=both')).toThrow(
      'SYNC_OWNERSHIP: unknown entity "athlete"; owner of wellness_entries must be legacy or new',
    );
  });
});
