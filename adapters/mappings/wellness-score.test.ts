import { describe, expect, it } from '@jest/globals';

import { computeWellnessScore, roundHundredthsHalfEven, WellnessAnswerError } from './wellness-score.ts';
import type { WellnessAnswers } from './wellness-score.ts';

function* everyAnswerCombination(): Generator<WellnessAnswers> {
  const range = [1, 2, 3, 4, 5];
  for (const sleep of range)
    for (const soreness of range)
      for (const fatigue of range)
        for (const stress of range)
          for (const mood of range) yield { sleep, soreness, fatigue, stress, mood };
}

/** An independent reference: exact rational arithmetic with BigInt, half-even on the remainder. */
function referenceScore(a: WellnessAnswers): string {
  const numerator = BigInt(
    30 * a.sleep + 20 * (6 - a.soreness) + 20 * (6 - a.fatigue) + 15 * (6 - a.stress) + 15 * a.mood,
  );
  // score * 10 = numerator / 10
  let tenths = numerator / 10n;
  const twiceRemainder = (numerator % 10n) * 2n;
  if (twiceRemainder > 10n || (twiceRemainder === 10n && tenths % 2n === 1n)) tenths += 1n;
  return `${tenths / 10n}.${tenths % 10n}`;
}

describe('computeWellnessScore', () => {
  it('gives the extremes 1.0 (worst answers) and 5.0 (best answers)', () => {
    expect(computeWellnessScore({ sleep: 1, soreness: 5, fatigue: 5, stress: 5, mood: 1 })).toBe('1.0');
    expect(computeWellnessScore({ sleep: 5, soreness: 1, fatigue: 1, stress: 1, mood: 5 })).toBe('5.0');
  });

  it('rounds exact ties (x.x5) to the even tenth like .NET Math.Round, not up', () => {
    // 120 + 60 + 60 + 45 + 30 = 315 hundredths: 3.15 → 3.2 (2 is even)
    expect(computeWellnessScore({ sleep: 4, soreness: 3, fatigue: 3, stress: 3, mood: 2 })).toBe('3.2');
    // 60 + 80 + 80 + 45 + 60 = 325 hundredths: 3.25 → 3.2, where half-up would give 3.3
    expect(computeWellnessScore({ sleep: 2, soreness: 2, fatigue: 2, stress: 3, mood: 4 })).toBe('3.2');
    // 30 + 100 + 100 + 60 + 45 = 335 hundredths: 3.35 → 3.4
    expect(computeWellnessScore({ sleep: 1, soreness: 1, fatigue: 1, stress: 2, mood: 3 })).toBe('3.4');
    // 60 + 80 + 80 + 45 + 45 = 310 hundredths: no tie, 3.1
    expect(computeWellnessScore({ sleep: 2, soreness: 2, fatigue: 2, stress: 3, mood: 3 })).toBe('3.1');
  });

  it('agrees with exact rational arithmetic for all 3125 answer combinations', () => {
    for (const answers of everyAnswerCombination()) {
      expect(computeWellnessScore(answers)).toBe(referenceScore(answers));
    }
  });

  it('always returns a fixed-scale decimal(3,1) string between 1.0 and 5.0', () => {
    for (const answers of everyAnswerCombination()) {
      const score = computeWellnessScore(answers);
      expect(score).toMatch(/^[1-5]\.\d$/);
      expect(Number(score)).toBeGreaterThanOrEqual(1);
      expect(Number(score)).toBeLessThanOrEqual(5);
    }
  });

  it('rejects answers outside 1..5 or not integers, naming the field', () => {
    const ok = { sleep: 3, soreness: 3, fatigue: 3, stress: 3, mood: 3 };
    expect(() => computeWellnessScore({ ...ok, sleep: 0 })).toThrow(WellnessAnswerError);
    expect(() => computeWellnessScore({ ...ok, mood: 6 })).toThrow(/mood/);
    expect(() => computeWellnessScore({ ...ok, stress: 2.5 })).toThrow(/stress/);
    expect(() => computeWellnessScore({ ...ok, fatigue: Number.NaN })).toThrow(/fatigue/);
  });
});

describe('roundHundredthsHalfEven', () => {
  it('rounds only exact ties to even and everything else to nearest', () => {
    expect([340, 344, 345, 346, 355, 365, 375, 101, 105, 115].map(roundHundredthsHalfEven)).toEqual([
      34, 34, 34, 35, 36, 36, 38, 10, 10, 12,
    ]);
  });
});
