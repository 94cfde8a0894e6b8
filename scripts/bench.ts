/**
 * Legacy pass-through speed, in one run: the 1 KB JSON upstream directly, strangler
 * in front of it (unmatched path, and a matched route in legacy mode), and nginx as a reverse proxy
 * with a keep-alive upstream pool when it is installed. Each is driven by wrk at the same load after
 * a short warm-up; the table gives req/s, p50, p99 and the ratios the README's benchmark
 * targets are set in (strangler ≥ 0.6× nginx req/s, p50 ≤ 2× nginx).
 *
 * Usage: npm run bench
 * Environment: BENCH_SECONDS (10), BENCH_CONNECTIONS (50), BENCH_THREADS (2), BENCH_WARMUP_SECONDS (2),
 * BENCH_ROUNDS (1: interleaved rounds, the median round is shown),
 * BENCH_PROCESSES (`1,<cores>`: each count is measured; nginx runs that many workers, strangler and
 * the node reference proxies that many replicas sharing one port through SO_REUSEPORT, which is how
 * REUSE_PORT=true runs strangler one replica per core; the ratios are against the best nginx row),
 * BENCH_NGINX_ACCESS_LOG (1: nginx logs each request like strangler at info; 0: access_log off),
 * BENCH_PROFILE=1 writes a CPU profile of each strangler replica (node --cpu-prof) into
 * artifacts/bench-profile/ (scripts/bench/profile-split.ts splits one by part), LOG_LEVEL for strangler,
 * BENCH_ENGINES (undici,http-proxy-middleware: one strangler process per forwarding engine, each
 * measured on the catch-all and the route), BENCH_PIN=1 (with BENCH_PROCESSES=1: each proxy on the
 * last CPU, wrk, the upstream and the bench itself on the others; see cpu-pinning.ts).
 * After the table, each strangler target's CPU per request against its baseline in the same run
 * (cpu-against-floor.ts): measured in BENCH_SLICES (200) cycles of BENCH_SLICE_MS (250) slices taken in
 * turn (cpu-slices.ts) when a target and its baseline are both wanted, from the rounds when
 * BENCH_SLICES=0; BENCH_STARTS (1) starts the processes afresh that many times for it.
 * Needs wrk (apt-get install -y wrk nginx). Everything it starts is stopped before it exits.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BENCH_NEW_AUTH_PATH,
  BENCH_NEW_PATH,
  startBenchCaller,
  stopBenchCaller,
} from './bench/bench-caller.ts';
import { startOtlpSink } from './bench/otlp-sink.ts';
import { compared, printCpuAgainstFloor } from './bench/cpu-against-floor.ts';
import type { Rounds } from './bench/cpu-against-floor.ts';
import { measureInSlices } from './bench/cpu-slices.ts';
import { otherCpus, pin, pinTo, proxyCpu } from './bench/cpu-pinning.ts';
import { printResults } from './bench/pass-through-report.ts';
import { forkReplicas, forkWithPort, startNginx, stopChildren, which } from './bench/processes.ts';
import type { Started } from './bench/processes.ts';
import { measure, median, processTree, serpentine } from './bench/wrk-measure.ts';
import type { Result, WrkLoad } from './bench/wrk-measure.ts';

const load: WrkLoad = {
  seconds: Number(process.env.BENCH_SECONDS ?? 10),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
  threads: Number(process.env.BENCH_THREADS ?? 2),
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 2),
};
const processCounts = [
  ...new Set(
    (process.env.BENCH_PROCESSES ?? `1,${availableParallelism()}`)
      .split(',')
      .map((count) => Number(count.trim()))
      .filter((count) => Number.isInteger(count) && count > 0),
  ),
];
const profile = process.env.BENCH_PROFILE === '1';
/**
 * nginx writes one access-log line per request, as strangler does at LOG_LEVEL=info (both into
 * /dev/null here, so neither pays for a disk); BENCH_NGINX_ACCESS_LOG=0 turns nginx's off.
 */
const nginxAccessLog = process.env.BENCH_NGINX_ACCESS_LOG !== '0';
const roundCount = Number(process.env.BENCH_ROUNDS ?? 1);
/** How many times the compared targets are started afresh and measured in slices again. */
const startCount = Math.max(1, Number(process.env.BENCH_STARTS ?? 1));
const slices = {
  cycles: Number(process.env.BENCH_SLICES ?? 200),
  sliceMs: Number(process.env.BENCH_SLICE_MS ?? 250),
  warmupMs: load.warmupSeconds * 1000,
};
/**
 * Comma-separated targets: direct, nginx, catch-all, route (the default set), new and new-auth (a new
 * handler without and with a policy, the caller's token verified), catch-all-traced (the catch-all
 * with OpenTelemetry tracing on, every request sampled, spans exported to a sink) and the reference proxies node,
 * undici, undici-forwarding, hpm-bare, hpm-express (see bench/reference-proxy.ts).
 */
const only = (process.env.BENCH_ONLY ?? 'direct,nginx,catch-all,route').split(',').map((name) => name.trim());
const wanted = (name: string): boolean => only.includes(name);
const engines = (process.env.BENCH_ENGINES ?? 'undici,http-proxy-middleware')
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name !== '');

interface Target {
  readonly name: string;
  readonly url: string;
  readonly pids: readonly number[];
  readonly headers?: Readonly<Record<string, string>>;
}

const REFERENCES: readonly (readonly [string, string])[] = [
  ['node', 'node:http floor'],
  ['undici', 'node:http+undici floor'],
  ['undici-forwarding', 'node:http+undici floor, forwarding'],
  ['hpm-bare', 'hpm bare'],
  ['hpm-express', 'express+hpm default'],
];

/** Tracing on, every request sampled, exported with the SDK's defaults (OTLP/HTTP protobuf, batched). */
function tracedEnv(endpoint: string): Record<string, string> {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'always_on' };
}

/** One start's targets and the upstream they all forward to. */
interface Running {
  readonly targets: Target[];
  readonly upstream: Started;
}

/** Closes the OTLP sink of the latest start (stopTargets). */
let stopSink = (): void => undefined;

/** Starts every wanted target, each process count with its own set of servers (idle ones cost nothing). */
async function startTargets(benchDir: string, nginx: string | undefined): Promise<Running> {
  // A directory per start: nginx's files of an earlier start stay where they were.
  const dir = mkdtempSync(join(benchDir, 'start-'));
  const upstream = await forkWithPort('./upstream-server.ts', []);
  const legacyHref = `http://127.0.0.1:${upstream.port}`;
  const profileDir = join(process.cwd(), 'artifacts', 'bench-profile');
  const cpuProfile = (name: string): string[] =>
    profile ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`] : [];
  const targets: Target[] = [];
  const add = (
    name: string,
    started: Started | undefined,
    path: string,
    headers?: Readonly<Record<string, string>>,
  ): void => {
    if (started === undefined) return;
    targets.push({ name, url: `http://127.0.0.1:${started.port}${path}`, pids: started.pids, headers });
    // The upstream serves every target: it stays with the load generator.
    if (started !== upstream) for (const pid of started.pids.flatMap(processTree)) pinTo(pid, proxyCpu);
  };
  const caller = await startBenchCaller();
  const sink = await startOtlpSink();
  stopSink = sink.close;
  if (wanted('direct')) add('direct', upstream, '/api/other');
  for (const count of processCounts) {
    const suffix = processCounts.length > 1 ? ` ×${count}` : '';
    if (wanted('nginx') && nginx !== undefined) {
      const nginxDir = join(dir, `nginx-${count}`);
      mkdirSync(nginxDir);
      add(
        `nginx${suffix}`,
        await startNginx(nginx, upstream.port, nginxDir, { workers: count, accessLog: nginxAccessLog }),
        '/api/other',
      );
    }
    for (const [kind, label] of REFERENCES) {
      if (!wanted(kind)) continue;
      const started = await forkReplicas(count, './reference-proxy.ts', [kind, legacyHref], cpuProfile(kind));
      add(`${label}${suffix}`, started, '/api/other');
    }
    for (const engine of engines) {
      const label = engine === 'http-proxy-middleware' ? 'hpm' : engine;
      if (wanted('catch-all-traced')) {
        const env = { ...process.env, ...tracedEnv(sink.url), PROXY_ENGINE: engine };
        const traced = await forkReplicas(
          count,
          './strangler-server.ts',
          [legacyHref],
          cpuProfile(`traced-${engine}-${count}`),
          env,
        );
        add(`strangler catch-all traced ${label}${suffix}`, traced, '/api/other');
      }
      if (!['catch-all', 'route', 'new', 'new-auth'].some(wanted)) continue;
      const started = await forkReplicas(
        count,
        './strangler-server.ts',
        [legacyHref],
        cpuProfile(`${engine}-${count}`),
        { ...process.env, PROXY_ENGINE: engine, AUTH_ISSUER: caller.issuer, AUTH_AUDIENCE: caller.audience },
      );
      if (wanted('catch-all')) add(`strangler catch-all ${label}${suffix}`, started, '/api/other');
      if (wanted('route')) add(`strangler route ${label}${suffix}`, started, '/api/athletes');
      // The same new handler with and without a policy, both sent the same token: the difference is
      // what verifying the caller costs.
      if (wanted('new'))
        add(`strangler new route ${label}${suffix}`, started, BENCH_NEW_PATH, caller.headers);
      if (wanted('new-auth')) {
        add(`strangler new route + token ${label}${suffix}`, started, BENCH_NEW_AUTH_PATH, caller.headers);
      }
    }
  }
  return { targets, upstream };
}

/** Stops every process a start began: targets, upstream, the issuer and the OTLP sink. */
async function stopTargets(): Promise<void> {
  await stopChildren();
  await stopBenchCaller();
  stopSink();
}

/**
 * Rounds interleave the targets so a burst of load elsewhere on the machine hits all of them; each
 * target's median round (by req/s) is its table row. One list of results per target.
 */
async function runRounds(wrk: string, targets: readonly Target[]): Promise<Result[][]> {
  const rounds: Result[][] = targets.map(() => []);
  for (let round = 0; round < roundCount; round += 1) {
    for (const i of serpentine(targets.length, round)) {
      const target = targets[i] as Target;
      rounds[i]?.push(await measure(wrk, load, target.name, target.url, target.pids, target.headers));
    }
  }
  return rounds;
}

/**
 * The CPU comparisons: in slices (cpu-slices.ts) unless BENCH_SLICES=0, else from the rounds; with
 * BENCH_STARTS above 1, every target is started afresh and measured in slices again that many times.
 */
async function compareCpu(
  wrk: string,
  first: Running,
  rounds: readonly Result[][],
  startAgain: () => Promise<Running>,
): Promise<void> {
  const names = compared(first.targets.map((target) => target.name));
  if (slices.cycles <= 0 || names.length === 0) {
    const cpu = first.targets.map((target, i) => ({
      name: target.name,
      cpuMicrosPerRequest: (rounds[i] ?? []).map((result) => result.cpuMicrosPerRequest),
    }));
    printCpuAgainstFloor([cpu], `${roundCount} round(s)`);
    return;
  }
  const measured: Rounds[][] = [];
  for (let start = 1; start <= startCount; start += 1) {
    const running = start === 1 ? first : await startAgain();
    const sliced = running.targets.filter((target) => names.includes(target.name));
    measured.push(await measureInSlices(wrk, load, sliced, () => askServed(running.upstream), slices));
  }
  const starts = startCount === 1 ? '' : `, in each of ${startCount} starts of the processes`;
  printCpuAgainstFloor(
    measured,
    `${slices.cycles} cycles of ${slices.sliceMs} ms slices taken in turn${starts}`,
  );
}

/** The upstream's count of requests served (upstream-server.ts answers any message with it). */
function askServed(upstream: Started): Promise<number> {
  const child = upstream.child;
  if (child === undefined) throw new Error('the upstream was not forked');
  return new Promise((resolve) => {
    child.once('message', (message) => resolve((message as { served: number }).served));
    child.send('served');
  });
}

async function main(): Promise<void> {
  const wrk = which('wrk');
  if (wrk === undefined) throw new Error('wrk is not installed (apt-get install -y wrk)');
  const nginx = which('nginx');
  const dir = mkdtempSync(join(tmpdir(), 'strangler-bench-'));
  if (pin && processCounts.some((count) => count > 1)) throw new Error('BENCH_PIN=1 needs BENCH_PROCESSES=1');
  // Everything started from here (upstream, wrk, the OTLP sink) inherits the generator's CPUs.
  pinTo(process.pid, otherCpus);
  try {
    const first = await startTargets(dir, nginx);
    console.log(
      `wrk -t${load.threads} -c${load.connections} -d${load.seconds}s after ${load.warmupSeconds}s warm-up, ${roundCount} round(s); ` +
        '1 KB JSON GET; ' +
        `×N: nginx with N workers, strangler and the node references as N replicas on one port ` +
        `(N = ${processCounts.join(', ')}); strangler logs at ${process.env.LOG_LEVEL ?? 'info'}, nginx's access log ${nginxAccessLog ? 'on' : 'off'}; load average ${loadavg()
          .map((value) => value.toFixed(1))
          .join(' ')}`,
    );
    const rounds = await runRounds(wrk, first.targets);
    printResults(rounds.map(median), wanted('nginx'));
    await compareCpu(wrk, first, rounds, async () => {
      await stopTargets();
      return startTargets(dir, nginx);
    });
    if (profile) {
      console.log(
        'CPU profiles: artifacts/bench-profile (written when the processes exit; node scripts/bench/profile-split.ts <dir> splits one)',
      );
    }
  } finally {
    await stopTargets();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopChildren();
  process.exitCode = 1;
});
