import { describe, expect, it } from '@jest/globals';

import {
  DEFAULT_READINESS_THRESHOLDS,
  readinessEvidence,
  readinessVerdict,
  type ReadinessEvidence,
} from './readiness-verdict.ts';
import type { RouteStats } from './report-store.ts';
import { routeFigures } from './route-figures.ts';

/** Evidence that passes every default threshold; each test spoils one part of it. */
const good: ReadinessEvidence = {
  compared: 800,
  attempted: 800,
  eligible: 1000,
  effectiveSampleRate: 0.8,
  unexplainedMismatches: 0,
  openDefects: 0,
  legacy: { errors: 0, errorRate: 0, p99Ms: 300 },
  new: { errors: 0, errorRate: 0, p99Ms: 310 },
};

const reasons = (evidence: ReadinessEvidence, mode: 'shadow' | 'canary' = 'shadow') =>
  readinessVerdict(mode, evidence, DEFAULT_READINESS_THRESHOLDS).reasons;

describe('the readiness verdict', () => {
  it('calls a shadow route with enough matching comparisons ready for canary, and a canary one ready for new', () => {
    expect(readinessVerdict('shadow', good, DEFAULT_READINESS_THRESHOLDS)).toMatchObject({
      mode: 'shadow',
      nextMode: 'canary',
      ready: true,
      reasons: [],
    });
    expect(readinessVerdict('canary', good, DEFAULT_READINESS_THRESHOLDS)).toMatchObject({
      nextMode: 'new',
      ready: true,
    });
  });

  it('always allows legacy → shadow, whatever the evidence', () => {
    const none = { ...good, compared: 0, attempted: 0, eligible: 0, effectiveSampleRate: null };
    expect(readinessVerdict('legacy', none, DEFAULT_READINESS_THRESHOLDS)).toMatchObject({
      nextMode: 'shadow',
      ready: true,
      reasons: [],
    });
  });

  it('has no next mode for a route that already serves new', () => {
    expect(readinessVerdict('new', good, DEFAULT_READINESS_THRESHOLDS)).toMatchObject({
      nextMode: null,
      ready: false,
    });
  });

  it('asks for more comparisons, with the effective sample rate', () => {
    expect(reasons({ ...good, compared: 120, attempted: 120, effectiveSampleRate: 0.12 })).toEqual([
      'only 120 comparisons, 500 needed (effective sample rate 12.0%)',
    ]);
  });

  it('counts every unexplained mismatch at the default rate of 0', () => {
    expect(reasons({ ...good, unexplainedMismatches: 3 })).toEqual(['3 unexplained mismatches']);
    expect(reasons({ ...good, unexplainedMismatches: 1 })).toEqual(['1 unexplained mismatch']);
  });

  it('allows unexplained mismatches up to a configured rate', () => {
    const thresholds = { ...DEFAULT_READINESS_THRESHOLDS, maxMismatchRate: 0.01 };
    expect(readinessVerdict('shadow', { ...good, unexplainedMismatches: 8 }, thresholds).ready).toBe(true);
    expect(readinessVerdict('shadow', { ...good, unexplainedMismatches: 16 }, thresholds).reasons).toEqual([
      '16 unexplained mismatches: 2.0%, over the 1.0% allowed',
    ]);
  });

  it('names open defects', () => {
    expect(reasons({ ...good, openDefects: 1 })).toEqual(['1 open defect']);
  });

  it('refuses a new side failing more often than allowed and than legacy, but not one failing as legacy does', () => {
    const failing = { errors: 24, errorRate: 0.03, p99Ms: 310 };
    expect(reasons({ ...good, new: failing })).toEqual([
      "new side's error rate 3.0% (24 5xx or failed of 800) is over the 1.0% allowed and legacy's 0.0%",
    ]);
    expect(reasons({ ...good, new: failing, legacy: { errors: 24, errorRate: 0.03, p99Ms: 300 } })).toEqual(
      [],
    );
  });

  it('compares the p99 of both sides', () => {
    expect(reasons({ ...good, new: { ...good.new, p99Ms: 412 } })).toEqual([
      "new side's p99 412 ms is over 1.2× legacy's 300 ms",
    ]);
    expect(reasons({ ...good, new: { ...good.new, p99Ms: 360 } })).toEqual([]);
    expect(reasons({ ...good, new: { ...good.new, p99Ms: null } })).toEqual([
      'no p99 latency of the new side in the window',
    ]);
  });

  it('gives every reason at once', () => {
    expect(
      reasons({ ...good, compared: 10, attempted: 10, unexplainedMismatches: 2, openDefects: 1 }, 'canary'),
    ).toHaveLength(3);
  });
});

describe('the evidence from a route report', () => {
  it("counts 5xx answers and each side's failures over the comparisons attempted", () => {
    const stats: RouteStats = {
      routeId: 'r',
      ...routeFigures({
        match: 90,
        mismatch: 5,
        noise: 0,
        error: 5,
        skipped: 0,
        dropped: 10,
        unsampled: 0,
        accepted: 2,
      }),
      latency: { legacyP50Ms: 10, legacyP99Ms: 40, newP50Ms: 8, newP99Ms: 30 },
      openGroups: 1,
      defectGroups: 1,
      notCompared: [
        { outcome: 'error', reason: 'new-failed', count: 3 },
        { outcome: 'error', reason: 'legacy-failed', count: 1 },
        { outcome: 'error', reason: 'timeout', count: 1 },
        { outcome: 'dropped', reason: 'queue-full', count: 10 },
      ],
    };
    expect(readinessEvidence(stats, { legacy: 0, new: 2.4 })).toEqual({
      compared: 95,
      attempted: 100,
      eligible: 110,
      effectiveSampleRate: 95 / 110,
      unexplainedMismatches: 3,
      openDefects: 1,
      legacy: { errors: 1, errorRate: 0.01, p99Ms: 40 },
      new: { errors: 5, errorRate: 0.05, p99Ms: 30 },
    });
  });

  it('is empty, not failing, for a route with no traffic in the window', () => {
    expect(readinessEvidence(undefined, { legacy: 0, new: 0 })).toMatchObject({
      compared: 0,
      legacy: { errors: 0, errorRate: null, p99Ms: null },
    });
  });
});
