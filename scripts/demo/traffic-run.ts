/**
 * One run of the demo traffic generator: finds each caller's rows, then sends the planner's requests
 * with that caller's token until the count or the duration runs out, and tallies what came back.
 */
import { EntryDays } from './entry-days.ts';
import { createSeededRandom } from './seeded-random.ts';
import { createPlanner, idsOf, type Catalogue, type Planned } from './traffic-plan.ts';

/** Who sends: an organisation's name (for the summary) and its bearer token (none: anonymous). */
export interface TrafficCaller {
  readonly name: string;
  readonly token: string | undefined;
}

export interface TrafficOptions {
  readonly baseUrl: URL;
  readonly requests: number;
  readonly durationMs: number;
  readonly concurrency: number;
  /** Distinct X-Tenant-Id values: the routes' canary stickiness key, so a rollout percentage shows. */
  readonly tenants: number;
  /** Fraction of requests that POST a wellness entry. */
  readonly writeRatio: number;
  readonly seed: number;
  readonly requestTimeoutMs: number;
  /** Each request comes from one of them; none: one anonymous caller. */
  readonly callers: readonly TrafficCaller[];
}

export interface TrafficSummary {
  readonly requests: number;
  readonly elapsedMs: number;
  readonly byKind: Readonly<Record<string, number>>;
  readonly byStatus: Readonly<Record<string, number>>;
  /** Requests per caller (`anonymous` for those sent without a token). */
  readonly byCaller: Readonly<Record<string, number>>;
  /** Requests that got no HTTP response at all (connection refused, timeout). */
  readonly failures: number;
  readonly latencyMs: {
    readonly p50: number | null;
    readonly p95: number | null;
    readonly p99: number | null;
  };
}

export const DEFAULT_TRAFFIC: TrafficOptions = {
  baseUrl: new URL('http://127.0.0.1:8080'),
  requests: 300,
  durationMs: 60_000,
  concurrency: 4,
  tenants: 20,
  writeRatio: 0.1,
  seed: 1,
  requestTimeoutMs: 10_000,
  callers: [],
};

const ANONYMOUS: TrafficCaller = { name: 'anonymous', token: undefined };

const count = (record: Record<string, number>, key: string): void => {
  record[key] = (record[key] ?? 0) + 1;
};

/** One run's sender and tally: what was sent, how it answered, how long it took. */
class TrafficRun {
  readonly started = Date.now();
  readonly deadline: number;
  readonly callers: readonly TrafficCaller[];
  readonly latencies: number[] = [];
  readonly byKind: Record<string, number> = {};
  readonly byStatus: Record<string, number> = {};
  readonly byCaller: Record<string, number> = {};
  sent = 0;
  failures = 0;

  readonly #options: TrafficOptions;
  readonly #random: () => number;
  readonly #log: (line: string) => void;

  constructor(options: TrafficOptions, random: () => number, log: (line: string) => void) {
    this.#options = options;
    this.#random = random;
    this.#log = log;
    this.deadline = this.started + options.durationMs;
    this.callers = options.callers.length > 0 ? options.callers : [ANONYMOUS];
  }

  more(): boolean {
    return this.sent < this.#options.requests && Date.now() < this.deadline;
  }

  async send(p: Planned): Promise<{ status: number; body: unknown } | undefined> {
    this.sent++;
    count(this.byKind, p.kind);
    count(this.byCaller, this.callerOf(p).name);
    const t0 = performance.now();
    try {
      const res = await fetch(new URL(p.path, this.#options.baseUrl), this.requestInit(p));
      const text = await res.text();
      this.latencies.push(performance.now() - t0);
      count(this.byStatus, String(res.status));
      return { status: res.status, body: parsedOrUndefined(text) };
    } catch (error: unknown) {
      this.failures++;
      if (this.failures <= 3)
        this.#log(`${p.method} ${p.path} failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  summary(): TrafficSummary {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const quantile = (q: number): number | null =>
      sorted.length === 0
        ? null
        : Math.round((sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0) * 10) / 10;
    return {
      requests: this.sent,
      elapsedMs: Date.now() - this.started,
      byKind: this.byKind,
      byStatus: this.byStatus,
      byCaller: this.byCaller,
      failures: this.failures,
      latencyMs: { p50: quantile(0.5), p95: quantile(0.95), p99: quantile(0.99) },
    };
  }

  private callerOf(p: Planned): TrafficCaller {
    return p.caller === undefined ? ANONYMOUS : (this.callers[p.caller] ?? ANONYMOUS);
  }

  private requestInit(p: Planned): RequestInit {
    const options = this.#options;
    const { token } = this.callerOf(p);
    return {
      method: p.method,
      headers: {
        accept: 'application/json',
        'x-tenant-id': `tenant-${1 + Math.floor(this.#random() * options.tenants)}`,
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(p.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(p.body === undefined ? {} : { body: JSON.stringify(p.body) }),
      signal: AbortSignal.timeout(
        Math.max(1, Math.min(options.requestTimeoutMs, this.deadline - Date.now())),
      ),
    };
  }
}

function parsedOrUndefined(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch (error: unknown) {
    if (!(error instanceof SyntaxError)) throw error;
    return undefined;
  }
}

/** Discovers each caller's real ids first, so most requests hit existing rows of its organisation. */
async function discover(run: TrafficRun, log: (line: string) => void): Promise<Catalogue[]> {
  const catalogues: Catalogue[] = [];
  for (const [caller, { name }] of run.callers.entries()) {
    let squadIds: string[] = [];
    let athleteIds: string[] = [];
    if (run.more()) {
      const squads = await run.send({ kind: 'squads', method: 'GET', path: '/api/squads', caller });
      squadIds = idsOf(squads?.body, 'SquadId');
    }
    if (run.more()) {
      const path = '/api/athletes?page=1&pageSize=50';
      const athletes = await run.send({ kind: 'athletes-page', method: 'GET', path, caller });
      athleteIds = idsOf(athletes?.body, 'AthleteId');
    }
    if (squadIds.length === 0 && athleteIds.length === 0 && run.sent > 0) {
      log(
        `${name}: no squads or athletes found: is the demo seeded, the public port right, the token accepted?`,
      );
    }
    catalogues.push({ squadIds, athleteIds });
  }
  return catalogues;
}

/** A new entry's day is found with one counted read of the athlete's earliest entry, by the same caller. */
function entryDaysFor(run: TrafficRun, caller: number | undefined): EntryDays {
  return new EntryDays(async (athleteId) => {
    if (!run.more()) return undefined;
    const path = `/api/athletes/${athleteId}/wellness?page=1&pageSize=1`;
    const earliest = await run.send({ kind: 'wellness-list', method: 'GET', path, caller });
    // Only a 200 list says which days are taken; guessing after a failed read would hit a taken day (409).
    if (earliest?.status !== 200 || !Array.isArray(earliest.body)) return undefined;
    const day = (earliest.body as { EntryDate?: unknown }[])[0]?.EntryDate;
    return typeof day === 'string' ? day.slice(0, 10) : null;
  });
}

export async function runTraffic(
  options: TrafficOptions,
  log: (line: string) => void = () => {},
): Promise<TrafficSummary> {
  const random = createSeededRandom(options.seed).next;
  const run = new TrafficRun(options, random, log);
  const plan = createPlanner(random, await discover(run, log), options.writeRatio);
  const days = new Map<number | undefined, EntryDays>();
  const entryDay = (p: Planned, athleteId: string): Promise<string | undefined> => {
    if (!days.has(p.caller)) days.set(p.caller, entryDaysFor(run, p.caller));
    return days.get(p.caller)!.next(athleteId);
  };
  const worker = async (): Promise<void> => {
    while (run.more()) {
      const p = plan();
      if (p.entryFor === undefined) {
        await run.send(p);
        continue;
      }
      const EntryDate = await entryDay(p, p.entryFor);
      // The lookup may have used the last of the request budget, or failed.
      if (EntryDate !== undefined && run.more())
        await run.send({ ...p, body: { EntryDate, ...(p.body as object) } });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return run.summary();
}
