/**
 * Shadow comparison speed, two figures:
 *
 * 1. `npm run bench:compare -- [seconds=3]`: comparisons per second of ~1 KB JSON responses on
 *    one core (target ≥ 20k/s): identical bodies (the byte-equal fast path), bodies equal after the
 *    route's rules, one real difference, and .NET-style decimal literals.
 * 2. `npm run bench:compare -- --latency [seconds=5]`: client-visible p50/p99 through the public
 *    server for one matched route in legacy mode and in shadow mode (sample rate 1, every request
 *    compared), driven by an open-loop generator at BENCH_RATE (target: shadow p99 within 10% of
 *    legacy), with the proxy process's event-loop delay and GC pauses per mode. Shadow mode runs two
 *    ways in the same run: `shadow thread` (the shadow side on its own thread, as `npm start` runs it)
 *    and `shadow inline` (on the proxy's event loop, SHADOW_THREAD=false). PROXY_ENGINE as for
 *    `npm start` (undici unless set), SHADOW_THREAD_PRIORITY likewise, BENCH_PIN=1 (see pinTo),
 *    BENCH_SAMPLE_RATE (1), BENCH_MODES (default: direct,legacy,shadow thread,shadow inline,legacy
 *    again; `shadow thread normal` adds a shadow thread at nice 0), BENCH_SHADOW_CPUS (see pinShadowThreads), BENCH_ALLOC=1 (bytes allocated per
 *    request).
 *    Legacy is scripts/bench/upstream-server.ts in its own process. With DATABASE_URL set results are
 *    written to PostgreSQL (the shadow store is migrated first); without it the writer's batches are
 *    discarded, only the inline arm runs, and the script says so. Environment: BENCH_RATE (500 req/s),
 *    BENCH_ROUNDS (3).
 */
import { execFileSync, fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { createPublicServer } from '../src/proxy/public-server.ts';
import { createRouteTable } from '../src/routing/route-table.ts';
import { startShadow } from '../src/shadow/start-shadow.ts';
import type { ShadowRunner } from '../src/shadow/shadow-runner.ts';
import type { ExchangeObserver } from '../src/proxy/exchange-observer.ts';
import { SHADOW_THREAD_WORKER } from '../src/app-routes.ts';
import { startShadowThread } from '../src/shadow/thread/shadow-thread.ts';
import type { ShadowThreadPriority } from '../src/shadow/thread/shadow-thread.ts';
import { createBenchRoute } from './bench/bench-shadow-route.ts';
import { migrateShadowStoreToLatest } from '../src/shadow/store/shadow-migrations.ts';
import type { ShadowStore } from '../src/shadow/store/shadow-store.ts';
import { createFakeFlagResolver } from '../src/testing/fake-flag-resolver.ts';
import type { CapturedResponse } from '../src/shadow/captured-exchange.ts';
import { compareExchanges } from '../src/shadow/compare/compare-exchanges.ts';
import { compileCompareRules } from '../src/shadow/compare/compare-rules.ts';
import { createComparer } from '../src/shadow/compare/off-thread-comparer.ts';

const latencyMode = process.argv.includes('--latency');
const engine = loadConfig({ PROXY_ENGINE: process.env.PROXY_ENGINE }).proxyEngine;
const secondsArg = process.argv.slice(2).find((a) => /^\d+(\.\d+)?$/.test(a));
const seconds = Number(secondsArg ?? (latencyMode ? 5 : 3));

function item(i: number, score: number) {
  return {
    Id: `0f8fad5b-d9cb-469f-a165-7086772895${String(i).padStart(2, '0')}`,
    Name: `Athlete ${i}`,
    Score: score,
    UpdatedAt: '2024-03-01T10:00:00.0000000Z',
  };
}

function document(score: number, reorder: boolean) {
  const items = Array.from({ length: 8 }, (_, i) => item(i, i === 3 ? score : i * 1.5));
  return {
    traceId: reorder ? 'b'.repeat(32) : 'a'.repeat(32),
    Total: 8,
    Items: reorder ? [...items].reverse().map((x) => Object.fromEntries(Object.entries(x).reverse())) : items,
  };
}

function response(value: unknown): CapturedResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: Buffer.from(JSON.stringify(value)),
  };
}

const rules = compileCompareRules({
  ignore: ['$..traceId'],
  arraysAsSets: [{ path: '$.Items', key: 'Id' }],
  numericTolerance: [{ path: '$.Items[*].Score', absolute: 0.001 }],
  guidCaseInsensitive: true,
  equivalentDates: ['$.Items[*].UpdatedAt'],
});

const legacy = response(document(4.5, false));
const cases: [string, CapturedResponse, CapturedResponse][] = [
  ['identical bytes', legacy, response(document(4.5, false))],
  ['equal after rules (reordered set, other traceId)', legacy, response(document(4.5, true))],
  ['one real difference', legacy, response(document(4.6, true))],
  // .NET writes decimals with their scale: every Score literal differs in text, not in value.
  [
    'literals 4.50 vs 4.5 (equal under the tolerance rule)',
    { ...legacy, body: Buffer.from(legacy.body.toString().replace(/"Score":(\d+)\.5\b/g, '"Score":$1.50')) },
    response(document(4.5, true)),
  ],
];

interface Rates {
  readonly cpu: number;
  readonly wall: number;
}

/**
 * Calls per CPU-second and per wall-second of `work` and of `baseline`, measured in alternating slices
 * of 100 ms over `seconds` each, so a machine that speeds up or slows down mid-run (a shared virtual
 * machine does) moves both alike and their ratio stays put.
 */
function pairedRates(work: () => void, baseline: () => void): { work: Rates; baseline: Rates } {
  const totals = [
    { fn: work, n: 0, cpu: 0, wall: 0 },
    { fn: baseline, n: 0, cpu: 0, wall: 0 },
  ];
  for (const t of totals) for (let i = 0; i < 2000; i++) t.fn();
  const slices = Math.max(1, Math.round(seconds * 10));
  for (let slice = 0; slice < slices; slice++) {
    for (const t of totals) {
      const cpuStart = process.cpuUsage();
      const start = process.hrtime.bigint();
      const end = start + 100_000_000n;
      let now = start;
      while (now < end) {
        for (let i = 0; i < 100; i++) t.fn();
        t.n += 100;
        now = process.hrtime.bigint();
      }
      const cpu = process.cpuUsage(cpuStart);
      t.cpu += (cpu.user + cpu.system) / 1e6;
      t.wall += Number(now - start) / 1e9;
    }
  }
  const [w, b] = totals as [(typeof totals)[0], (typeof totals)[0]];
  return {
    work: { cpu: w.n / w.cpu, wall: w.n / w.wall },
    baseline: { cpu: b.n / b.cpu, wall: b.n / b.wall },
  };
}

async function compareBench(): Promise<void> {
  // The machine may be shared: the rate per CPU-second (user + system time of this process) is the
  // figure for "one core"; the wall-clock rate is printed next to it. The baseline, interleaved with
  // each case, is the least any structural comparison does: JSON.parse of both bodies. The ratio holds
  // up across machines and their moods far better than the absolute rate does.
  console.log(`body size: ${legacy.body.length} bytes; ${seconds}s per case; node ${process.version}`);
  console.log('baseline: JSON.parse of both bodies, nothing else, interleaved with each case');
  for (const [name, a, b] of cases) {
    const { work, baseline } = pairedRates(
      () => compareExchanges(a, b, rules),
      () => {
        JSON.parse(a.body.toString('utf8'));
        JSON.parse(b.body.toString('utf8'));
      },
    );
    console.log(
      `${name.padEnd(54)} ${Math.round(work.cpu).toString().padStart(9)} /CPU-s ${Math.round(work.wall)
        .toString()
        .padStart(9)} /wall-s  ${(work.cpu / baseline.cpu).toFixed(2).padStart(6)}× baseline (${Math.round(
        baseline.cpu,
      )} /CPU-s)  (${compareExchanges(a, b, rules).differences.length} differences)`,
    );
  }
  await largeBodyBlocking();
}

/**
 * How long one comparison near the capture limit holds up the event loop clients share: inline (the
 * whole comparison) against on the comparison worker (the longest gap a 1 ms timer sees meanwhile).
 */
async function largeBodyBlocking(): Promise<void> {
  const big = (score: number) =>
    response({
      traceId: String(score),
      Items: Array.from({ length: 4000 }, (_, i) => item(i, i === 7 ? score : i * 1.5)),
    });
  const [a, b] = [big(4.5), big(4.6)];
  const label = `${Math.round((a.body.length + b.body.length) / 1024)} KiB of bodies`;
  const inline: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    compareExchanges(a, b, rules);
    inline.push(performance.now() - started);
  }
  const comparer = createComparer();
  // The longest gap a 1 ms timer sees while `wait` runs; with nothing to wait for, the machine's own
  // timer lateness (a few ms on a busy virtual machine), against which the worker's gap is read.
  const longestGap = async (wait: () => Promise<unknown>): Promise<number> => {
    let last = performance.now();
    let longest = 0;
    const probe = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 1);
    await wait();
    clearInterval(probe);
    return longest;
  };
  const gaps: number[] = [];
  const idleGaps: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    gaps.push(await longestGap(() => comparer.compare(a, b, rules)));
    const took = performance.now() - started;
    idleGaps.push(await longestGap(() => new Promise((resolve) => setTimeout(resolve, took))));
  }
  await comparer.close();
  const median = (xs: number[]) =>
    quantile(
      [...xs].sort((x, y) => x - y),
      0.5,
    );
  console.log(
    `${label}: inline the event loop is blocked ${median(inline).toFixed(1)} ms per comparison; ` +
      `on the comparison worker its longest gap is ${median(gaps).toFixed(1)} ms, ` +
      `${median(idleGaps).toFixed(1)} ms while idle as long (medians of 5)`,
  );
}

/** A shadow store that keeps nothing, for runs without DATABASE_URL. */
const discardingStore: ShadowStore = {
  writeBatch: async () => undefined,
  loadNoise: async () => [],
  deleteExpired: async () => ({ samples: 0, minutes: 0, groups: 0 }),
  exportSamples: async () => [],
};

/**
 * Open-loop load at a fixed rate from a child process (its own event loop): requests go out on schedule
 * whether or not earlier ones have answered (64 connections per target), so queueing in the proxy shows
 * up instead of being hidden. Latency counts from when a request was handed to the client, because
 * Node's timers fire up to a few ms late and that lateness is the generator's, not the proxy's
 * (counting from the due time put the generator's jitter into both modes' p99). Every segment gets the
 * same rate. The child lives for the whole run and keeps its connections, so no segment pays for a
 * cold generator (a fresh process's first requests run unoptimised code).
 */
interface LoadCommand {
  readonly url: string;
  readonly rate: number;
  readonly duration: number;
}

function loadChild(): void {
  const pools = new Map<string, import('undici').Pool>();
  process.on('message', (command: LoadCommand) => {
    void segment(command).then((result) => process.send?.(result));
  });
  process.on('disconnect', () => process.exit(0));
  async function segment({ url, rate, duration }: LoadCommand): Promise<LoadResult> {
    const { Pool } = await import('undici');
    const target = new URL(url);
    let pool = pools.get(target.origin);
    if (pool === undefined) {
      pool = new Pool(target.origin, { connections: 64, pipelining: 1 });
      pools.set(target.origin, pool);
    }
    const client = pool;
    const latencies: number[] = [];
    let errors = 0;
    const start = performance.now();
    const total = Math.round(rate * duration);
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const sent = performance.now();
      inFlight.push(
        client
          .request({ path: target.pathname, method: 'GET' })
          .then(async (response) => {
            await response.body.dump();
            if (response.statusCode !== 200) errors += 1;
            latencies.push(performance.now() - sent);
          })
          .catch(() => {
            errors += 1;
          }),
      );
    }
    await Promise.all(inFlight);
    return { latencies, errors, elapsed: (performance.now() - start) / 1000 };
  }
}

interface LoadResult {
  readonly latencies: number[];
  readonly errors: number;
  readonly elapsed: number;
}

interface LoadGenerator {
  run(url: string, rate: number, duration: number): Promise<LoadResult>;
  close(): void;
}

function startLoadGenerator(): LoadGenerator {
  const child = fork(fileURLToPath(import.meta.url), ['--load-child'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  pinTo(child.pid, otherCpus);
  return {
    run: (url, rate, duration) =>
      new Promise((resolve, reject) => {
        child.once('error', reject);
        child.once('message', (m) => {
          child.off('error', reject);
          resolve(m as LoadResult);
        });
        child.send({ url, rate, duration } satisfies LoadCommand);
      }),
    close: () => child.kill(),
  };
}

/**
 * BENCH_PIN=1: the proxy process (all its threads) on the last CPU, the load generator, legacy and the
 * PostgreSQL backends of the shadow store's connections on the others, as in production where clients,
 * legacy and the database run elsewhere. Without it every process competes
 * for every core and the scheduler's time slices land in the tail at random (the same configuration
 * measured twice differed by up to 1.3× at p99 on 2 cores). Needs taskset (util-linux).
 */
const pin = process.env.BENCH_PIN === '1';
const cpuCount = availableParallelism();
const proxyCpu = String(cpuCount - 1);
const otherCpus = cpuCount > 1 ? `0-${cpuCount - 2}` : '0';
function pinTo(pid: number | undefined, cpus: string): void {
  if (!pin || pid === undefined) return;
  execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
}

/**
 * BENCH_SHADOW_CPUS (with BENCH_PIN=1): CPUs for the shadow threads alone, e.g. the generator's, to
 * measure what sharing the proxy's core costs the proxy's thread. By default they share the proxy's
 * core (the process's affinity), as they would on a host with one replica per core.
 */
const shadowCpus = process.env.BENCH_SHADOW_CPUS;
function pinShadowThreads(): void {
  if (!pin || shadowCpus === undefined || shadowCpus === '') return;
  for (const tid of readdirSync('/proc/self/task')) {
    // Node names a worker's thread after the Worker's name (truncated to 15 characters).
    if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'strangler-shado') continue;
    execFileSync('taskset', ['-cp', shadowCpus, tid], { stdio: 'ignore' });
  }
}

/** Context switches of the calling thread so far (Linux; zeros elsewhere). */
function proxyThreadSwitches(): { voluntary: number; involuntary: number } {
  try {
    const status = readFileSync('/proc/thread-self/status', 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { voluntary: field('voluntary_ctxt_switches'), involuntary: field('nonvoluntary_ctxt_switches') };
  } catch {
    return { voluntary: 0, involuntary: 0 };
  }
}

function isLocalPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
  } catch {
    return false;
  }
}

/** The bytes a sampling heap profile's tree accounts for. */
function sampledBytes(node: { selfSize: number; children: readonly unknown[] }): number {
  let total = node.selfSize;
  for (const child of node.children) total += sampledBytes(child as typeof node);
  return total;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function latencyBench(): Promise<void> {
  const rate = Number(process.env.BENCH_RATE ?? 500);
  // The route's shadow sample rate: 1 compares every request (the routes' default), the worst case.
  const sampleRate = Number(process.env.BENCH_SAMPLE_RATE ?? 1);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const upstream = fork(fileURLToPath(new URL('./bench/upstream-server.ts', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  pinTo(upstream.pid, otherCpus);
  pinTo(process.pid, proxyCpu);
  const upstreamPort = await new Promise<number>((resolve) =>
    upstream.once('message', (m) => resolve((m as { port: number }).port)),
  );
  const legacyUrl = new URL(`http://127.0.0.1:${upstreamPort}`);
  const logger = createSilentLogger();
  const metrics = createMetrics({ defaultMetrics: false });
  const databaseUrl = process.env.DATABASE_URL;
  const pool =
    databaseUrl === undefined || databaseUrl === ''
      ? undefined
      : new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // A PostgreSQL on this machine is pinned with legacy (the server backends of this pool's
  // connections): in production the store is another machine, and its work must not preempt the proxy.
  const localDatabase =
    databaseUrl !== undefined &&
    databaseUrl !== '' &&
    ['localhost', '127.0.0.1', '[::1]', ''].includes(new URL(databaseUrl).hostname);
  pool?.on('connect', (client) => {
    if (!pin || !localDatabase) return;
    client
      .query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      .then((result) => {
        const pid = result.rows[0]?.pid;
        // Only a backend of a PostgreSQL on this machine: elsewhere the pid is some local process's.
        if (pid !== undefined && isLocalPostgres(pid)) pinTo(pid, otherCpus);
      })
      .catch((error: unknown) => console.warn(`PostgreSQL backend not pinned: ${String(error)}`));
  });
  const db = pool === undefined ? undefined : new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  if (db !== undefined) await migrateShadowStoreToLatest(db);
  const route = await createBenchRoute({ legacyUrl: legacyUrl.href, sampleRate });
  // Both ways of running the shadow side, alternating in the same run: on a thread of its own (as
  // `npm start` runs it) and on the proxy's event loop (SHADOW_THREAD=false). The thread needs the
  // store's database: without DATABASE_URL only the event-loop arm runs.
  const threadPriority = loadConfig({
    SHADOW_THREAD_PRIORITY: process.env.SHADOW_THREAD_PRIORITY,
  }).shadowThreadPriority;
  const startThread = (priority: ShadowThreadPriority) =>
    startShadowThread({
      worker: SHADOW_THREAD_WORKER,
      options: {
        routes: {
          module: new URL('./bench/bench-shadow-route.ts', import.meta.url).href,
          options: { legacyUrl: legacyUrl.href, sampleRate },
        },
        databaseUrl: databaseUrl as string,
        legacyUrl,
        hostHeader: 'rewrite',
        acceptedRules: false,
        priority,
      },
      metrics,
      logger,
    });
  const threaded = db === undefined ? undefined : await startThread(threadPriority);
  // BENCH_MODES with `shadow thread normal`: a second shadow thread at normal priority (nice 0), to
  // measure what the idle policy is worth in the same run.
  const normalThread =
    db !== undefined && process.env.BENCH_MODES?.split(',').includes('shadow thread normal') === true
      ? await startThread(0)
      : undefined;
  pinShadowThreads();
  // As src/main.ts starts it with SHADOW_THREAD=false.
  const inline = await startShadow({
    ...(db === undefined ? { store: discardingStore } : { db }),
    legacyUrl,
    hostHeader: 'rewrite',
    metrics,
    logger,
  });
  let current: ShadowRunner = inline.observer;
  const switching: ExchangeObserver = {
    captureLimit: (match, decision) => current.captureLimit(match, decision),
    onRequest: (request) => current.onRequest(request),
    onExchange: (exchange) => current.onExchange(exchange),
  };
  // The shadow thread's own connections to a local PostgreSQL go with legacy, like the pool's above.
  const pinShadowBackends = async (): Promise<void> => {
    if (!pin || !localDatabase || pool === undefined || threaded === undefined) return;
    const { rows } = await pool.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'strangler-shadow%'",
    );
    for (const { pid } of rows) if (isLocalPostgres(pid)) pinTo(pid, otherCpus);
  };
  const flags = createFakeFlagResolver({}, { recordContexts: false });
  const proxy = createPublicServer({
    config: { legacyUrl, legacyTimeoutMs: 5000, hostHeader: 'rewrite' },
    // The engine `npm start` uses unless PROXY_ENGINE says otherwise.
    legacyEngine: engine,
    routes: createRouteTable([route]),
    flags,
    metrics,
    logger,
    observer: switching,
  });
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}/api/items`;
  const directUrl = new URL('/api/items', legacyUrl).href;
  const generator = startLoadGenerator();
  const comparisons = async () =>
    (await metrics.shadowComparisons.get()).values.reduce((sum, v) => sum + v.value, 0);
  const drops = async () => (await metrics.shadowDropped.get()).values.reduce((sum, v) => sum + v.value, 0);

  console.log(
    `${rounds} rounds of ${seconds}s per mode at ${rate} req/s (open loop), shadow sample rate ${sampleRate}, engine ${engine}, ` +
      `shadow thread priority ${threadPriority}, ` +
      `${pin ? `proxy pinned to CPU ${proxyCpu}, generator and legacy to ${otherCpus}${shadowCpus === undefined || shadowCpus === '' ? '' : `, shadow threads to ${shadowCpus}`}` : 'no CPU pinning'}, store: ${db === undefined ? 'discarded (no DATABASE_URL)' : 'PostgreSQL'}, ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${cpuCount} CPUs`,
  );
  try {
    // Segments of every mode alternate over many rounds (the order reversed every other round, so each
    // mode follows each other equally often) and a burst of load from elsewhere on a shared machine
    // lands on all of them rather than on one. `direct` is the generator against legacy with no proxy
    // between: the floor this machine's generator and legacy reach. `legacy again` is legacy mode a
    // second time: how far apart two identical configurations come out (an A/A test) is how finely
    // this run can tell shadow mode from legacy mode.
    const allModes = [
      'direct',
      'legacy',
      'shadow thread',
      'shadow thread normal',
      'shadow inline',
      'legacy again',
    ] as const;
    type Mode = (typeof allModes)[number];
    // BENCH_MODES=shadow (comma-separated) runs only those, for a profile of one mode.
    const only = process.env.BENCH_MODES?.split(',');
    const modes = allModes.filter((mode) =>
      only === undefined
        ? mode !== 'shadow thread normal' && (mode !== 'shadow thread' || threaded !== undefined)
        : only.includes(mode) &&
          (mode !== 'shadow thread' || threaded !== undefined) &&
          (mode !== 'shadow thread normal' || normalThread !== undefined),
    );
    const shadowOf = (mode: Mode): ShadowRunner =>
      mode === 'shadow thread' && threaded !== undefined
        ? threaded.observer
        : mode === 'shadow thread normal' && normalThread !== undefined
          ? normalThread.observer
          : inline.observer;
    const isShadow = (mode: Mode): boolean => mode.startsWith('shadow');
    const perMode = <T>(make: () => T): Record<Mode, T> =>
      Object.fromEntries(allModes.map((mode) => [mode, make()])) as Record<Mode, T>;
    const results = perMode<LoadResult[]>(() => []);
    const counted = { comparisons: 0, dropped: 0 };
    // CPU time of this process (proxy, shadow runner, writer) per request: unlike latency on a shared
    // machine, it does not depend on what else is running.
    const cpuMicros = perMode(() => 0);
    // The same for the proxy's thread alone (without the shadow thread's share).
    const mainCpuMicros = perMode(() => 0);
    const mainSystemMicros = perMode(() => 0);
    // Context switches of the proxy's thread: voluntary ones are wake-ups (it slept in epoll_wait with
    // nothing to do), involuntary ones are another thread taking its core while it had work.
    const voluntarySwitches = perMode(() => 0);
    const involuntarySwitches = perMode(() => 0);
    // Minor page faults of this process: memory the heap gave back and takes again. On a virtual
    // machine each can cost a trip to the host.
    const pageFaults = perMode(() => 0);
    // BENCH_ALLOC=1: bytes this process allocates per request, from V8's sampling heap profiler with
    // collected objects counted (every 4 KiB allocated is one sample). Unlike latency it does not
    // depend on the machine, and what is allocated is what the young generation has to sweep.
    const allocBytes = perMode(() => 0);
    const allocSession = process.env.BENCH_ALLOC === '1' ? new Session() : undefined;
    allocSession?.connect();
    await allocSession?.post('HeapProfiler.enable');
    // How long this process's event loop was blocked: a request arriving during a block waits for it.
    const loopDelay = perMode<{ p99: number; max: number }[]>(() => []);
    // Garbage-collection pauses of this process: the shadow side's allocations make scavenges more
    // frequent, and every request that arrives during one waits for it.
    const gcPauses = perMode<number[]>(() => []);
    for (const mode of modes) {
      if (mode === 'direct') continue;
      current = shadowOf(mode);
      flags.set(route.flag, isShadow(mode) ? 'shadow' : 'legacy');
      await generator.run(url, rate, 1);
    }
    await pinShadowBackends();
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
        current = shadowOf(mode);
        if (mode !== 'direct') flags.set(route.flag, isShadow(mode) ? 'shadow' : 'legacy');
        // Half a second unmeasured first: after a `direct` segment the proxy's and the generator's idle
        // keep-alive connections have closed, and without this the arm after it paid for reconnecting
        // (legacy came out 2x worse than legacy again, which follows shadow instead).
        await generator.run(mode === 'direct' ? directUrl : url, rate, 0.5);
        await current.idle();
        const [c0, d0] = [await comparisons(), await drops()];
        const cpuStart = process.cpuUsage();
        const mainCpuStart = process.threadCpuUsage();
        const switchesStart = proxyThreadSwitches();
        const faultsStart = process.resourceUsage().minorPageFault;
        const pauses = gcPauses[mode];
        const gc = new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) pauses.push(entry.duration);
        });
        gc.observe({ entryTypes: ['gc'] });
        const delay = monitorEventLoopDelay({ resolution: 1 });
        delay.enable();
        await allocSession?.post('HeapProfiler.startSampling', {
          samplingInterval: 4096,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
        results[mode].push(await generator.run(mode === 'direct' ? directUrl : url, rate, seconds));
        delay.disable();
        gc.disconnect();
        loopDelay[mode].push({ p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 });
        await current.idle();
        const sampled = await allocSession?.post('HeapProfiler.stopSampling');
        if (sampled !== undefined) allocBytes[mode] += sampledBytes(sampled.profile.head);
        const cpu = process.cpuUsage(cpuStart);
        cpuMicros[mode] += cpu.user + cpu.system;
        const mainCpu = process.threadCpuUsage(mainCpuStart);
        mainCpuMicros[mode] += mainCpu.user + mainCpu.system;
        mainSystemMicros[mode] += mainCpu.system;
        const switches = proxyThreadSwitches();
        voluntarySwitches[mode] += switches.voluntary - switchesStart.voluntary;
        involuntarySwitches[mode] += switches.involuntary - switchesStart.involuntary;
        pageFaults[mode] += process.resourceUsage().minorPageFault - faultsStart;
        if (isShadow(mode)) {
          counted.comparisons += (await comparisons()) - c0;
          counted.dropped += (await drops()) - d0;
        }
      }
    }
    const summary = (mode: Mode) => {
      const latencies = results[mode].flatMap((r) => r.latencies).sort((a, b) => a - b);
      const elapsed = results[mode].reduce((sum, r) => sum + r.elapsed, 0);
      return {
        rps: latencies.length / elapsed,
        p50: quantile(latencies, 0.5),
        p90: quantile(latencies, 0.9),
        p99: quantile(latencies, 0.99),
        p999: quantile(latencies, 0.999),
        errors: results[mode].reduce((sum, r) => sum + r.errors, 0),
        cpuPerRequest: cpuMicros[mode] / Math.max(1, latencies.length),
        mainCpuPerRequest: mainCpuMicros[mode] / Math.max(1, latencies.length),
        mainSystemPerRequest: mainSystemMicros[mode] / Math.max(1, latencies.length),
        faultsPerSecond: pageFaults[mode] / elapsed,
        voluntaryPerRequest: voluntarySwitches[mode] / Math.max(1, latencies.length),
        involuntaryPerRequest: involuntarySwitches[mode] / Math.max(1, latencies.length),
        allocPerRequest: allocBytes[mode] / Math.max(1, latencies.length),
        loopP99: Math.max(...loopDelay[mode].map((d) => d.p99)),
        loopMax: Math.max(...loopDelay[mode].map((d) => d.max)),
        gcPerSecond: gcPauses[mode].length / elapsed,
        gcMsPerSecond: gcPauses[mode].reduce((sum, ms) => sum + ms, 0) / elapsed,
        gcMax: Math.max(0, ...gcPauses[mode]),
      };
    };
    const figures = Object.fromEntries(modes.map((mode) => [mode, summary(mode)])) as Record<
      Mode,
      ReturnType<typeof summary>
    >;
    for (const mode of modes) {
      const f = figures[mode];
      console.log(
        `${mode.padEnd(20)} ${f.rps.toFixed(0).padStart(6)} req/s  p50 ${f.p50.toFixed(2).padStart(6)} ms  ` +
          `p90 ${f.p90.toFixed(2)} ms  p99 ${f.p99.toFixed(2).padStart(6)} ms  p99.9 ${f.p999.toFixed(2)} ms  CPU ${f.cpuPerRequest.toFixed(0).padStart(4)} µs/request (proxy thread ${f.mainCpuPerRequest.toFixed(0)}, kernel ${f.mainSystemPerRequest.toFixed(0)}; switches/request ${f.voluntaryPerRequest.toFixed(2)} woken, ${f.involuntaryPerRequest.toFixed(2)} preempted)  ${f.faultsPerSecond.toFixed(0)} page faults/s  ` +
          (allocSession === undefined
            ? ''
            : `${(f.allocPerRequest / 1024).toFixed(1)} KiB allocated/request  `) +
          `event-loop delay p99 ${f.loopP99.toFixed(2)} ms, max ${f.loopMax.toFixed(2)} ms  ` +
          `GC ${f.gcPerSecond.toFixed(1)} pauses/s, ${f.gcMsPerSecond.toFixed(1)} ms/s, max ${f.gcMax.toFixed(1)} ms  errors ${f.errors}`,
      );
    }
    // Per-round ratios too: their median shrugs off one round that a burst from elsewhere spoiled.
    const roundP99 = (mode: Mode, round: number) =>
      quantile(
        [...(results[mode][round]?.latencies ?? [])].sort((a, b) => a - b),
        0.99,
      );
    const medianRatio = (a: Mode, b: Mode) => {
      const ratios = Array.from({ length: rounds }, (_, r) => roundP99(a, r) / roundP99(b, r)).sort(
        (x, y) => x - y,
      );
      return quantile(ratios, 0.5);
    };
    const { legacy } = figures;
    const again = figures['legacy again'];
    // Both legacy arms are the same configuration: together they are twice the sample.
    const bothLegacy = quantile(
      [...results.legacy, ...results['legacy again']].flatMap((r) => r.latencies).sort((a, b) => a - b),
      0.99,
    );
    if (modes.includes('legacy') && modes.includes('legacy again')) {
      for (const mode of modes.filter(isShadow)) {
        const shadow = figures[mode];
        console.log(
          `${mode}/legacy p99: ${(shadow.p99 / legacy.p99).toFixed(2)}× pooled, ${medianRatio(mode, 'legacy').toFixed(2)}× median of rounds, ` +
            `${(shadow.p99 / bothLegacy).toFixed(2)}× against both legacy arms pooled (p99 ${bothLegacy.toFixed(2)} ms)`,
        );
      }
      console.log(
        `A/A (legacy again/legacy): ${(again.p99 / legacy.p99).toFixed(2)}× pooled, ${medianRatio('legacy again', 'legacy').toFixed(2)}× median` +
          (modes.includes('direct')
            ? `; legacy/direct p99 ${(legacy.p99 / figures.direct.p99).toFixed(2)}×`
            : '') +
          `  (comparisons ${counted.comparisons}, dropped ${counted.dropped})`,
      );
    }
  } finally {
    await proxy.close();
    await threaded?.close();
    await normalThread?.close();
    await inline.close();
    await db?.destroy();
    generator.close();
    upstream.kill();
  }
}

if (process.argv.includes('--load-child')) {
  loadChild();
} else {
  await (latencyMode ? latencyBench() : compareBench());
}
