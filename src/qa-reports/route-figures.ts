/**
 * A route's figures over a window, from the raw counters: the one place that says what the match
 * rate, the mismatch count and the effective sample rate mean, for the pages, the JSON API and the
 * exports alike.
 */

/** What the shadow store counted for a route in the window. */
export interface RouteCounts {
  readonly match: number;
  /** Every mismatch recorded, including those QA has accepted since. */
  readonly mismatch: number;
  readonly noise: number;
  /** Reads whose difference was gone once the dual-write sync had caught up (0 when not given). */
  readonly syncLag?: number;
  readonly error: number;
  readonly skipped: number;
  readonly dropped: number;
  readonly unsampled: number;
  /** Mismatches in the window whose diff group QA has accepted. */
  readonly accepted: number;
}

export interface RouteFigures {
  /** Comparisons made and decided: match, noise, sync-lag, accepted or mismatch. */
  readonly compared: number;
  readonly match: number;
  readonly noise: number;
  /** Reads that differed only until the sync caught up: they count as agreeing, and are shown apart. */
  readonly syncLag: number;
  /** Mismatches QA accepted: they count as agreeing. */
  readonly accepted: number;
  /** Mismatches nobody has accepted (open or defect groups). */
  readonly mismatch: number;
  readonly error: number;
  readonly skipped: number;
  readonly dropped: number;
  readonly unsampled: number;
  /** Comparisons attempted: compared plus those that ended in error or were skipped. */
  readonly total: number;
  /** Requests that could have been compared: every one the shadow side saw, compared or not. */
  readonly eligible: number;
  /** Compared over eligible; null when nothing was eligible. */
  readonly effectiveSampleRate: number | null;
  /**
   * Comparisons that agreed (match, noise-only, sync-lag, accepted) over those compared. Errors, skips, drops
   * and unsampled requests say nothing about agreement. Null: nothing compared.
   */
  readonly matchRate: number | null;
}

export function routeFigures(c: RouteCounts): RouteFigures {
  const accepted = Math.min(c.accepted, c.mismatch);
  const syncLag = c.syncLag ?? 0;
  const compared = c.match + c.noise + syncLag + c.mismatch;
  const eligible = compared + c.error + c.skipped + c.dropped + c.unsampled;
  return {
    compared,
    match: c.match,
    noise: c.noise,
    syncLag,
    accepted,
    mismatch: c.mismatch - accepted,
    error: c.error,
    skipped: c.skipped,
    dropped: c.dropped,
    unsampled: c.unsampled,
    total: compared + c.error + c.skipped,
    eligible,
    effectiveSampleRate: eligible === 0 ? null : compared / eligible,
    matchRate: compared === 0 ? null : (c.match + c.noise + syncLag + accepted) / compared,
  };
}
