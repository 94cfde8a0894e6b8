/**
 * Demo traffic generator: drives the athlete API on the public port so the
 * shadow comparison has something to compare and the QA report fills up. Bounded by a request count
 * and a duration, whichever comes first; prints a summary at the end (usage: TRAFFIC_USAGE).
 */
import { parseCliOptions, parsedOrExit } from '../cli-args.ts';
import { createSeededRandom } from './seeded-random.ts';

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

interface Planned {
  readonly kind: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
}

interface Catalogue {
  squadIds: string[];
  athleteIds: string[];
}

function idsOf(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((item: unknown) =>
      typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[field] : undefined,
    )
    .filter((id): id is string => typeof id === 'string');
}

export async function runTraffic(
  options: TrafficOptions,
  log: (line: string) => void = () => {},
): Promise<TrafficSummary> {
  const random = createSeededRandom(options.seed).next;
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
  const started = Date.now();
  const deadline = started + options.durationMs;
  const latencies: number[] = [];
  const byKind: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  let sent = 0;
  let failures = 0;

  const send = async (p: Planned): Promise<{ status: number; body: unknown } | undefined> => {
    sent++;
    byKind[p.kind] = (byKind[p.kind] ?? 0) + 1;
    const t0 = performance.now();
    try {
      const res = await fetch(new URL(p.path, options.baseUrl), {
        method: p.method,
        headers: {
          accept: 'application/json',
          'x-tenant-id': `tenant-${1 + Math.floor(random() * options.tenants)}`,
          ...(p.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(p.body === undefined ? {} : { body: JSON.stringify(p.body) }),
        signal: AbortSignal.timeout(Math.max(1, Math.min(options.requestTimeoutMs, deadline - Date.now()))),
      });
      const text = await res.text();
      latencies.push(performance.now() - t0);
      byStatus[String(res.status)] = (byStatus[String(res.status)] ?? 0) + 1;
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch (error: unknown) {
        if (!(error instanceof SyntaxError)) throw error;
      }
      return { status: res.status, body };
    } catch (error: unknown) {
      failures++;
      if (failures <= 3)
        log(`${p.method} ${p.path} failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };

  const more = (): boolean => sent < options.requests && Date.now() < deadline;

  // Discover real ids first, so most requests hit existing rows (and produce comparable responses).
  const catalogue: Catalogue = { squadIds: [], athleteIds: [] };
  if (more()) {
    const squads = await send({ kind: 'squads', method: 'GET', path: '/api/squads' });
    catalogue.squadIds = idsOf(squads?.body, 'SquadId');
  }
  if (more()) {
    const athletes = await send({
      kind: 'athletes-page',
      method: 'GET',
      path: '/api/athletes?page=1&pageSize=50',
    });
    catalogue.athleteIds = idsOf(athletes?.body, 'AthleteId');
  }
  if (catalogue.squadIds.length === 0 && catalogue.athleteIds.length === 0 && sent > 0) {
    log('no squads or athletes found: is the demo seeded and the public port right?');
  }

  const plan = (): Planned => {
    const athlete = pick(catalogue.athleteIds) ?? crypto.randomUUID();
    const squad = pick(catalogue.squadIds) ?? crypto.randomUUID();
    if (random() < options.writeRatio) {
      // Random day in 2025: a repeat lands on the unique (athlete, date) key and gets legacy's 409.
      const day = new Date(Date.UTC(2025, 0, 1) + Math.floor(random() * 365) * 86_400_000);
      const answer = () => 1 + Math.floor(random() * 5);
      return {
        kind: 'wellness-create',
        method: 'POST',
        path: `/api/athletes/${athlete}/wellness`,
        body: {
          EntryDate: day.toISOString().slice(0, 10),
          Sleep: answer(),
          Soreness: answer(),
          Fatigue: answer(),
          Stress: answer(),
          Mood: answer(),
          Notes: random() < 0.3 ? 'demo traffic' : null,
        },
      };
    }
    const r = random();
    if (r < 0.15) return { kind: 'squads', method: 'GET', path: '/api/squads' };
    if (r < 0.3) return { kind: 'squad-athletes', method: 'GET', path: `/api/squads/${squad}/athletes` };
    if (r < 0.45) {
      const page = 1 + Math.floor(random() * 3);
      const size = pick([10, 20, 50]) ?? 20;
      return { kind: 'athletes-page', method: 'GET', path: `/api/athletes?page=${page}&pageSize=${size}` };
    }
    if (r < 0.7) return { kind: 'athlete', method: 'GET', path: `/api/athletes/${athlete}` };
    if (r < 0.95) return { kind: 'wellness-list', method: 'GET', path: `/api/athletes/${athlete}/wellness` };
    // An unknown id: not-found handling is part of the legacy contract too.
    return { kind: 'athlete-unknown', method: 'GET', path: `/api/athletes/${crypto.randomUUID()}` };
  };

  const worker = async (): Promise<void> => {
    while (more()) await send(plan());
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));

  const sorted = [...latencies].sort((a, b) => a - b);
  const quantile = (q: number): number | null =>
    sorted.length === 0
      ? null
      : Math.round((sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0) * 10) / 10;
  return {
    requests: sent,
    elapsedMs: Date.now() - started,
    byKind,
    byStatus,
    failures,
    latencyMs: { p50: quantile(0.5), p95: quantile(0.95), p99: quantile(0.99) },
  };
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
