/**
 * Demo traffic generator: drives the athlete API on the public port so the
 * shadow comparison has something to compare and the QA report fills up. Bounded by a request count
 * and a duration, whichever comes first; prints a summary at the end (usage: TRAFFIC_USAGE).
 */
import { parseCliOptions, parsedOrExit } from '../cli-args.ts';
import { createSeededRandom } from './seeded-random.ts';
import { createPlanner, idsOf, type Catalogue, type Planned } from './traffic-plan.ts';

export const TRAFFIC_USAGE = `usage: npm run demo:traffic -- [--base-url http://127.0.0.1:8080] [--requests 300]
    [--duration 60] [--concurrency 4] [--tenants 20] [--write-ratio 0.1] [--seed 1] [--json]
  Sends athlete API requests to the public port until --requests are sent or --duration seconds
  have passed, whichever comes first, then prints a summary (--json: as JSON).
  --tenants      distinct X-Tenant-Id values (the canary stickiness key)
  --write-ratio  fraction of requests that POST a wellness entry`;

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
}

export interface TrafficSummary {
  readonly requests: number;
  readonly elapsedMs: number;
  readonly byKind: Readonly<Record<string, number>>;
  readonly byStatus: Readonly<Record<string, number>>;
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
};

/** One run's sender and tally: what was sent, how it answered, how long it took. */
class TrafficRun {
  readonly started = Date.now();
  readonly deadline: number;
  readonly latencies: number[] = [];
  readonly byKind: Record<string, number> = {};
  readonly byStatus: Record<string, number> = {};
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
  }

  more(): boolean {
    return this.sent < this.#options.requests && Date.now() < this.deadline;
  }

  async send(p: Planned): Promise<{ status: number; body: unknown } | undefined> {
    this.sent++;
    this.byKind[p.kind] = (this.byKind[p.kind] ?? 0) + 1;
    const t0 = performance.now();
    try {
      const res = await fetch(new URL(p.path, this.#options.baseUrl), this.requestInit(p));
      const text = await res.text();
      this.latencies.push(performance.now() - t0);
      this.byStatus[String(res.status)] = (this.byStatus[String(res.status)] ?? 0) + 1;
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
      failures: this.failures,
      latencyMs: { p50: quantile(0.5), p95: quantile(0.95), p99: quantile(0.99) },
    };
  }

  private requestInit(p: Planned): RequestInit {
    const options = this.#options;
    return {
      method: p.method,
      headers: {
        accept: 'application/json',
        'x-tenant-id': `tenant-${1 + Math.floor(this.#random() * options.tenants)}`,
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

/** Discovers real ids first, so most requests hit existing rows (and produce comparable responses). */
async function discover(run: TrafficRun, log: (line: string) => void): Promise<Catalogue> {
  let squadIds: string[] = [];
  let athleteIds: string[] = [];
  if (run.more()) {
    const squads = await run.send({ kind: 'squads', method: 'GET', path: '/api/squads' });
    squadIds = idsOf(squads?.body, 'SquadId');
  }
  if (run.more()) {
    const athletes = await run.send({
      kind: 'athletes-page',
      method: 'GET',
      path: '/api/athletes?page=1&pageSize=50',
    });
    athleteIds = idsOf(athletes?.body, 'AthleteId');
  }
  if (squadIds.length === 0 && athleteIds.length === 0 && run.sent > 0) {
    log('no squads or athletes found: is the demo seeded and the public port right?');
  }
  return { squadIds, athleteIds };
}

export async function runTraffic(
  options: TrafficOptions,
  log: (line: string) => void = () => {},
): Promise<TrafficSummary> {
  const random = createSeededRandom(options.seed).next;
  const run = new TrafficRun(options, random, log);
  const plan = createPlanner(random, await discover(run, log), options.writeRatio);
  const worker = async (): Promise<void> => {
    while (run.more()) await run.send(plan());
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return run.summary();
}

export function parseTrafficArgs(argv: readonly string[]): TrafficOptions & { readonly json: boolean } {
  const values = parseCliOptions(
    argv,
    {
      'base-url': { type: 'string' },
      requests: { type: 'string' },
      duration: { type: 'string' },
      concurrency: { type: 'string' },
      tenants: { type: 'string' },
      'write-ratio': { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
    },
    TRAFFIC_USAGE,
  );
  const problems: string[] = [];
  const num = (
    name: keyof typeof values,
    fallback: number,
    min: number,
    max: number,
    integer = true,
  ): number => {
    const raw = values[name];
    if (raw === undefined || typeof raw !== 'string') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      problems.push(
        `--${name} must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max} (got "${raw}")`,
      );
      return fallback;
    }
    return n;
  };
  let baseUrl = DEFAULT_TRAFFIC.baseUrl;
  const rawBase = values['base-url'];
  if (rawBase !== undefined) {
    if (URL.canParse(rawBase)) baseUrl = new URL(rawBase);
    else problems.push(`--base-url is not a URL (got "${rawBase}")`);
  }
  const options = {
    baseUrl,
    requests: num('requests', DEFAULT_TRAFFIC.requests, 1, 1_000_000),
    durationMs: num('duration', DEFAULT_TRAFFIC.durationMs / 1000, 1, 86_400) * 1000,
    concurrency: num('concurrency', DEFAULT_TRAFFIC.concurrency, 1, 256),
    tenants: num('tenants', DEFAULT_TRAFFIC.tenants, 1, 100_000),
    writeRatio: num('write-ratio', DEFAULT_TRAFFIC.writeRatio, 0, 1, false),
    seed: num('seed', DEFAULT_TRAFFIC.seed, 0, 2 ** 32 - 1),
    requestTimeoutMs: DEFAULT_TRAFFIC.requestTimeoutMs,
    json: values.json === true,
  };
  if (problems.length > 0) throw new Error(`${problems.join('\n')}\n${TRAFFIC_USAGE}`);
  return options;
}

export function formatSummary(s: TrafficSummary): string {
  const rows = (record: Readonly<Record<string, number>>) =>
    Object.entries(record)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `  ${k.padEnd(18)} ${v}`)
      .join('\n');
  const rps = s.elapsedMs > 0 ? ((s.requests * 1000) / s.elapsedMs).toFixed(1) : '–';
  return [
    `${s.requests} requests in ${(s.elapsedMs / 1000).toFixed(1)} s (${rps}/s), ${s.failures} without a response`,
    `latency ms: p50 ${s.latencyMs.p50 ?? '–'}, p95 ${s.latencyMs.p95 ?? '–'}, p99 ${s.latencyMs.p99 ?? '–'}`,
    'by request:',
    rows(s.byKind),
    'by status:',
    rows(s.byStatus),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const options = parsedOrExit(TRAFFIC_USAGE, argv, () => parseTrafficArgs(argv));
  try {
    console.error(
      `sending up to ${options.requests} requests for at most ${options.durationMs / 1000} s to ${options.baseUrl.href}`,
    );
    const summary = await runTraffic(options, (line) => console.error(line));
    console.log(options.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
    if (summary.failures === summary.requests) process.exitCode = 1;
  } catch (error: unknown) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
