/**
 * Demo traffic generator: drives the athlete API on the public port, as the demo's organisations with
 * tokens from the demo issuer, so the shadow comparison has something to compare and the QA report
 * fills up. Bounded by a request count and a duration, whichever comes first; prints a summary at the
 * end (usage: TRAFFIC_USAGE). The run itself is traffic-run.ts.
 */
import { parseCliOptions, parsedOrExit } from '../cli-args.ts';
import { demoCallers, demoTokenSigner } from './demo-callers.ts';
import { demoIssuerSettings } from './demo-issuer-settings.ts';
import { DEFAULT_TRAFFIC, runTraffic, type TrafficOptions, type TrafficSummary } from './traffic-run.ts';

export const TRAFFIC_USAGE = `usage: npm run demo:traffic -- [--base-url http://127.0.0.1:8080] [--requests 300]
    [--duration 60] [--concurrency 4] [--tenants 20] [--write-ratio 0.1] [--seed 1] [--issuer URL] [--json]
  Sends athlete API requests to the public port until --requests are sent or --duration seconds
  have passed, whichever comes first, then prints a summary (--json: as JSON). Each request comes from
  one of the demo organisations, with a token signed by the demo issuer's key (under DATA_DIR).
  --tenants      distinct X-Tenant-Id values (the canary stickiness key)
  --write-ratio  fraction of requests that POST a wellness entry (each on a day its athlete has none,
                 so a second run gets no 409 either)
  --issuer       the demo issuer's address as the banner prints it (default http://127.0.0.1:DEMO_ISSUER_PORT)`;

export interface TrafficArgs extends TrafficOptions {
  readonly json: boolean;
  /** Undefined: the demo issuer's default address. */
  readonly issuer: string | undefined;
}

export function parseTrafficArgs(argv: readonly string[]): TrafficArgs {
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
      issuer: { type: 'string' },
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
  const issuer = values.issuer;
  if (issuer !== undefined && !URL.canParse(issuer)) problems.push(`--issuer is not a URL (got "${issuer}")`);
  const options = {
    ...DEFAULT_TRAFFIC,
    baseUrl,
    requests: num('requests', DEFAULT_TRAFFIC.requests, 1, 1_000_000),
    durationMs: num('duration', DEFAULT_TRAFFIC.durationMs / 1000, 1, 86_400) * 1000,
    concurrency: num('concurrency', DEFAULT_TRAFFIC.concurrency, 1, 256),
    tenants: num('tenants', DEFAULT_TRAFFIC.tenants, 1, 100_000),
    writeRatio: num('write-ratio', DEFAULT_TRAFFIC.writeRatio, 0, 1, false),
    seed: num('seed', DEFAULT_TRAFFIC.seed, 0, 2 ** 32 - 1),
    json: values.json === true,
    issuer,
  };
  if (problems.length > 0) throw new Error(`${problems.join('\n')}\n${TRAFFIC_USAGE}`);
  return options;
}

export function formatSummary(s: TrafficSummary): string {
  const rows = (record: Readonly<Record<string, number>>) =>
    Object.entries(record)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `  ${k.padEnd(32)} ${v}`)
      .join('\n');
  const rps = s.elapsedMs > 0 ? ((s.requests * 1000) / s.elapsedMs).toFixed(1) : '–';
  return [
    `${s.requests} requests in ${(s.elapsedMs / 1000).toFixed(1)} s (${rps}/s), ${s.failures} without a response`,
    `latency ms: p50 ${s.latencyMs.p50 ?? '–'}, p95 ${s.latencyMs.p95 ?? '–'}, p99 ${s.latencyMs.p99 ?? '–'}`,
    'by request:',
    rows(s.byKind),
    'by status:',
    rows(s.byStatus),
    'by caller:',
    rows(s.byCaller),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const args = parsedOrExit(TRAFFIC_USAGE, argv, () => parseTrafficArgs(argv));
  try {
    const demo = demoIssuerSettings();
    const sign = await demoTokenSigner({ ...demo, issuer: args.issuer ?? demo.issuer });
    // Valid a little past the run, however long it lasts.
    const callers = await demoCallers(sign, Math.ceil(args.durationMs / 1000) + 600);
    const options = {
      ...args,
      callers: callers.map(({ organisation, token }) => ({ name: organisation.name, token })),
    };
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
