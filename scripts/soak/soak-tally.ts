/**
 * What the soak saw: every well-behaved request's outcome, strangler's memory over time, and when
 * legacy was down. Outcomes are kept whole (a 10-minute run at 100/s is 60 000 small records) so the
 * summary can split them by the restart window after the fact.
 */
import type { StranglerSample } from './strangler-probe.ts';
import type { Outcome } from './steady-load.ts';
import { TRAFFIC_CLASSES, type TrafficClass } from './soak-traffic.ts';

/** After legacy listens again, requests still get a little time before a failure counts against strangler. */
export const RESTART_GRACE_MS = 5_000;

export interface RestartWindow {
  readonly fromMs: number;
  /** When the new legacy process listened; undefined while it is still starting. */
  readonly listeningMs: number | undefined;
}

export interface ClassCounts {
  sent: number;
  ok: number;
  failed: number;
}

/** A request from a well-behaved client succeeds with a 2xx; anything else, or no answer, is a failure. */
export const isOk = (outcome: Outcome): boolean =>
  outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300;

export class SoakTally {
  readonly outcomes: Outcome[] = [];
  readonly samples: StranglerSample[] = [];
  restart: RestartWindow | undefined;

  add(outcome: Outcome): void {
    this.outcomes.push(outcome);
  }

  /** The restart window, legacy's downtime plus RESTART_GRACE_MS; open-ended while legacy starts. */
  windowEndMs(): number | undefined {
    if (this.restart === undefined) return undefined;
    return this.restart.listeningMs === undefined ? Infinity : this.restart.listeningMs + RESTART_GRACE_MS;
  }

  duringRestart(outcome: Outcome): boolean {
    const end = this.windowEndMs();
    if (this.restart === undefined || end === undefined) return false;
    return outcome.doneMs >= this.restart.fromMs && outcome.sentMs <= end;
  }

  countsByClass(outcomes: readonly Outcome[] = this.outcomes): Record<TrafficClass, ClassCounts> {
    const counts = Object.fromEntries(
      TRAFFIC_CLASSES.map((c) => [c, { sent: 0, ok: 0, failed: 0 } satisfies ClassCounts]),
    ) as Record<TrafficClass, ClassCounts>;
    for (const outcome of outcomes) {
      const entry = counts[outcome.cls];
      entry.sent += 1;
      if (isOk(outcome)) entry.ok += 1;
      else entry.failed += 1;
    }
    return counts;
  }

  /** Failures by class and status (`none`: no answer) during the restart window and outside it. */
  failures(): { during: Record<string, number>; outside: Record<string, number> } {
    const during: Record<string, number> = {};
    const outside: Record<string, number> = {};
    for (const outcome of this.outcomes) {
      if (isOk(outcome)) continue;
      const into = this.duringRestart(outcome) ? during : outside;
      const key = `${outcome.cls} ${outcome.status ?? 'none'}`;
      into[key] = (into[key] ?? 0) + 1;
    }
    return { during, outside };
  }

  /** Up to `n` failures outside the restart window, one per class and status, for the summary. */
  examplesOutside(n: number): Outcome[] {
    const seen = new Set<string>();
    return this.outcomes
      .filter((o) => !isOk(o) && !this.duringRestart(o))
      .filter((o) => {
        const key = `${o.cls} ${o.status ?? 'none'}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .slice(0, n);
  }

  /** Ascending latencies (ms) of the successful requests (of one class) finished in [fromMs, toMs). */
  latencies(fromMs = 0, toMs = Infinity, cls?: TrafficClass): number[] {
    return this.outcomes
      .filter((o) => isOk(o) && o.doneMs >= fromMs && o.doneMs < toMs && (cls === undefined || o.cls === cls))
      .map((o) => o.doneMs - o.sentMs)
      .sort((a, b) => a - b);
  }
}
