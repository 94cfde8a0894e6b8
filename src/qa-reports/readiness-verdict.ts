/**
 * Whether a route's evidence over a window allows its next mode (legacy → shadow → canary → new), and
 * each reason it does not, in words: for the route page and the route report's JSON alike.
 */
import type { Mode } from '../routing/route.ts';
import { percent } from './layout-page.ts';
import type { RouteStats, ServerErrors } from './report-store.ts';

/** READINESS_* in the configuration (src/config/readiness-settings.ts). */
export interface ReadinessThresholds {
  /** Comparisons the window must hold before anything else is worth judging. */
  readonly minComparisons: number;
  /** Unexplained mismatches over comparisons; 0: any one blocks. */
  readonly maxMismatchRate: number;
  /** The new side's share of 5xx answers and failures, when it is also over legacy's. */
  readonly maxErrorRate: number;
  /** The new side's p99 latency over legacy's. */
  readonly maxP99Ratio: number;
  readonly maxOpenDefects: number;
}

export const DEFAULT_READINESS_THRESHOLDS: ReadinessThresholds = {
  minComparisons: 500,
  maxMismatchRate: 0,
  maxErrorRate: 0.01,
  maxP99Ratio: 1.2,
  maxOpenDefects: 0,
};

/** 5xx answers (estimated from the stored samples) and failures of one side in the window. */
export interface SideEvidence {
  readonly errors: number;
  /** Errors over the comparisons attempted; null when none was. */
  readonly errorRate: number | null;
  readonly p99Ms: number | null;
}

export interface ReadinessEvidence {
  readonly compared: number;
  /** Comparisons attempted: compared, ended in error or skipped (the error rates' denominator). */
  readonly attempted: number;
  readonly eligible: number;
  readonly effectiveSampleRate: number | null;
  /** Mismatches not covered by an accepted rule: open and defect groups. */
  readonly unexplainedMismatches: number;
  readonly openDefects: number;
  readonly legacy: SideEvidence;
  readonly new: SideEvidence;
}

export interface ReadinessVerdict {
  readonly mode: Mode;
  /** Null: the route already serves `new`. */
  readonly nextMode: Mode | null;
  readonly ready: boolean;
  /** Why the route is not ready, one sentence each; empty when it is. */
  readonly reasons: readonly string[];
  readonly evidence: ReadinessEvidence;
  readonly thresholds: ReadinessThresholds;
}

const NEXT_MODE: Readonly<Record<Mode, Mode | null>> = {
  legacy: 'shadow',
  shadow: 'canary',
  canary: 'new',
  new: null,
};

/** Comparison errors that are one side failing, by reason code (SHADOW_REASONS). */
const FAILURES: Readonly<Record<'legacy' | 'new', readonly string[]>> = {
  legacy: ['legacy-failed'],
  new: ['new-failed', 'fallback'],
};

export function readinessEvidence(
  stats: RouteStats | undefined,
  serverErrors: ServerErrors,
): ReadinessEvidence {
  const attempted = stats?.total ?? 0;
  const side = (name: 'legacy' | 'new', p99Ms: number | null): SideEvidence => {
    const failures = (stats?.notCompared ?? [])
      .filter((n) => n.outcome === 'error' && FAILURES[name].includes(n.reason))
      .reduce((sum, n) => sum + n.count, 0);
    const errors = Math.round(serverErrors[name]) + failures;
    return { errors, errorRate: attempted === 0 ? null : errors / attempted, p99Ms };
  };
  return {
    compared: stats?.compared ?? 0,
    attempted,
    eligible: stats?.eligible ?? 0,
    effectiveSampleRate: stats?.effectiveSampleRate ?? null,
    unexplainedMismatches: stats?.mismatch ?? 0,
    openDefects: stats?.defectGroups ?? 0,
    legacy: side('legacy', stats?.latency.legacyP99Ms ?? null),
    new: side('new', stats?.latency.newP99Ms ?? null),
  };
}

export function readinessVerdict(
  mode: Mode,
  evidence: ReadinessEvidence,
  thresholds: ReadinessThresholds,
): ReadinessVerdict {
  const nextMode = NEXT_MODE[mode];
  // Shadow mode serves legacy and only adds comparisons: nothing needs to be proven before it.
  const reasons =
    nextMode === null
      ? ['the route already serves the new handler: there is no next mode']
      : mode === 'legacy'
        ? []
        : evidenceReasons(evidence, thresholds);
  return { mode, nextMode, ready: reasons.length === 0, reasons, evidence, thresholds };
}

function evidenceReasons(e: ReadinessEvidence, t: ReadinessThresholds): string[] {
  const reasons: string[] = [];
  if (e.compared < t.minComparisons) {
    const rate = e.eligible === 0 ? '' : ` (effective sample rate ${percent(e.effectiveSampleRate)})`;
    reasons.push(`only ${counted(e.compared, 'comparison')}, ${t.minComparisons} needed${rate}`);
  }
  const mismatchRate = e.compared === 0 ? 0 : e.unexplainedMismatches / e.compared;
  if (e.unexplainedMismatches > 0 && mismatchRate > t.maxMismatchRate) {
    const allowed =
      t.maxMismatchRate === 0
        ? ''
        : `: ${percent(mismatchRate)}, over the ${percent(t.maxMismatchRate)} allowed`;
    reasons.push(`${counted(e.unexplainedMismatches, 'unexplained mismatch')}${allowed}`);
  }
  if (e.openDefects > t.maxOpenDefects) {
    const allowed = t.maxOpenDefects === 0 ? '' : `, at most ${t.maxOpenDefects} allowed`;
    reasons.push(`${counted(e.openDefects, 'open defect')}${allowed}`);
  }
  const errorReason = errorRateReason(e, t);
  if (errorReason !== undefined) reasons.push(errorReason);
  const latencyReason = p99Reason(e, t);
  if (latencyReason !== undefined) reasons.push(latencyReason);
  return reasons;
}

// The new side may fail as often as legacy does: moving on does not make those failures new.
function errorRateReason(e: ReadinessEvidence, t: ReadinessThresholds): string | undefined {
  const fresh = e.new.errorRate;
  if (fresh === null || fresh <= t.maxErrorRate || fresh <= (e.legacy.errorRate ?? 0)) return undefined;
  return (
    `new side's error rate ${percent(fresh)} (${e.new.errors} 5xx or failed of ${e.attempted}) is ` +
    `over the ${percent(t.maxErrorRate)} allowed and legacy's ${percent(e.legacy.errorRate)}`
  );
}

function p99Reason(e: ReadinessEvidence, t: ReadinessThresholds): string | undefined {
  if (e.compared === 0) return undefined;
  const { legacy, new: fresh } = e;
  if (legacy.p99Ms === null || fresh.p99Ms === null) {
    return `no p99 latency of the ${legacy.p99Ms === null ? 'legacy' : 'new'} side in the window`;
  }
  if (fresh.p99Ms <= t.maxP99Ratio * legacy.p99Ms) return undefined;
  return `new side's p99 ${ms(fresh.p99Ms)} is over ${t.maxP99Ratio}× legacy's ${ms(legacy.p99Ms)}`;
}

function counted(n: number, noun: string): string {
  if (n === 1) return `1 ${noun}`;
  return `${n} ${noun.endsWith('ch') || noun.endsWith('s') ? `${noun}es` : `${noun}s`}`;
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}
