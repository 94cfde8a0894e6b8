/** What a route's evidence must show before the route page calls it ready for its next mode. */
import { DEFAULT_READINESS_THRESHOLDS, type ReadinessThresholds } from '../qa-reports/readiness-verdict.ts';
import type { EnvReader } from './env-reader.ts';

export type { ReadinessThresholds };

export function readReadinessSettings(r: EnvReader): ReadinessThresholds {
  const d = DEFAULT_READINESS_THRESHOLDS;
  return {
    minComparisons: r.int('READINESS_MIN_COMPARISONS', d.minComparisons, 0, Number.MAX_SAFE_INTEGER),
    maxMismatchRate: r.num('READINESS_MAX_MISMATCH_RATE', d.maxMismatchRate, 0, 1),
    maxErrorRate: r.num('READINESS_MAX_ERROR_RATE', d.maxErrorRate, 0, 1),
    // Below 1 the new side would have to beat legacy; allowed, but never below 0.
    maxP99Ratio: r.num('READINESS_MAX_P99_RATIO', d.maxP99Ratio, 0, 1000),
    maxOpenDefects: r.int('READINESS_MAX_OPEN_DEFECTS', d.maxOpenDefects, 0, 1_000_000),
  };
}
