import { describe, expect, it } from '@jest/globals';

import { BodyBudget } from './body-budget.ts';
import { BodyCapture } from './exchange-observer.ts';

describe('the in-flight body budget', () => {
  it('gives out bytes up to its limit and takes them back', () => {
    const budget = new BodyBudget(10);
    expect(budget.take(6)).toBe(true);
    expect(budget.take(5)).toBe(false);
    expect(budget.held).toBe(6);
    budget.release(6);
    expect(budget.take(10)).toBe(true);
  });

  it('has a shadow capture give up (comparison skipped) rather than go over it, and release what it kept', () => {
    const budget = new BodyBudget(10);
    const capture = new BodyCapture(100, budget);
    capture.add(Buffer.from('abcdef'));
    expect(budget.held).toBe(6);
    capture.add(Buffer.from('ghijkl'));
    expect(capture.result()).toEqual({ kind: 'over-cap', bytes: 12 });
    expect(budget.held).toBe(0);

    const kept = new BodyCapture(100, budget);
    kept.add('abc');
    expect(kept.result()).toEqual({ kind: 'captured', bytes: Buffer.from('abc') });
    kept.release();
    kept.release();
    expect(budget.held).toBe(0);
  });
});
