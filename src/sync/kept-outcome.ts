import type { CanonicalRow } from './canonical-row.ts';
import type { ApplyOutcome, ApplyResult } from './sync-engine.ts';

/**
 * What the legacy side's applied-events record keeps of a change that lost, or that replaced a
 * concurrent write of the other side: enough to report it again. The relay records conflicts in the
 * new database after legacy has committed; if it dies in between (or the new database fails), the
 * event comes back, legacy says it was applied already, and without this the loss would be reported
 * as a plain duplicate and never recorded.
 */
export interface KeptOutcome {
  readonly outcome: ApplyOutcome;
  /** JSON: `{ current, overwritten }`. */
  readonly detail: string;
}

export function outcomeToKeep(result: ApplyResult): KeptOutcome | undefined {
  const lost = result.outcome === 'conflict' || result.outcome === 'stale';
  if (!lost && result.overwritten === undefined) return undefined;
  return {
    outcome: result.outcome,
    detail: JSON.stringify({ current: result.current, overwritten: result.overwritten ?? null }),
  };
}

/** The result to report for an event legacy had applied already: its kept outcome, else `duplicate`. */
export function replayedResult(eventId: string, outcome: unknown, detail: unknown): ApplyResult {
  if (typeof outcome !== 'string' || detail === null || detail === undefined) {
    return { eventId, outcome: 'duplicate', current: null };
  }
  const parsed = (typeof detail === 'string' ? JSON.parse(detail) : detail) as {
    current?: CanonicalRow | null;
    overwritten?: CanonicalRow | null;
  };
  return {
    eventId,
    outcome: outcome as ApplyOutcome,
    current: parsed.current ?? null,
    ...(parsed.overwritten === null || parsed.overwritten === undefined
      ? {}
      : { overwritten: parsed.overwritten }),
  };
}
