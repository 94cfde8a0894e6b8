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
 * artifacts/bench-profile/, LOG_LEVEL for strangler,
 * BENCH_ENGINES (undici,http-proxy-middleware: one strangler process per forwarding engine, each
 * measured on the catch-all and the route).
 * Needs wrk (apt-get install -y wrk nginx). Everything it starts is stopped before it exits.
 */
import { execFileSync, fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const threads = Number(process.env.BENCH_THREADS ?? 2);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
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
/**
 * Comma-separated targets: direct, nginx, catch-all, route (the default set) and the reference
 * proxies node, undici, hpm-bare, hpm-express (see bench/reference-proxy.ts).
 */
const only = (process.env.BENCH_ONLY ?? 'direct,nginx,catch-all,route').split(',').map((name) => name.trim());
const wanted = (name: string): boolean => only.includes(name);
const engines = (process.env.BENCH_ENGINES ?? 'undici,http-proxy-middleware')
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name !== '');

interface Result {
  readonly name: string;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  /** CPU time (user + system) the proxy process(es) spent per request: robust to a busy machine. */
  readonly cpuMicrosPerRequest: number | undefined;
  /**
   * With several replicas sharing the port: each one's share of that CPU time, in percent. The kernel
   * spreads wrk's connections over them by a hash of the addresses, so one run may give one replica
   * more of them than another run does (and the busiest replica then limits the throughput).
   */
  readonly cpuSplit: readonly number[] | undefined;
}

const children: ChildProcess[] = [];

function which(command: string): string | undefined {
  for (const candidate of [command, `/usr/sbin/${command}`, `/usr/bin/${command}`]) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch (error: unknown) {
      const code = (error as { code?: unknown }).code;
      // wrk -v exits 1 after printing its version: it exists.
      if (code !== 'ENOENT' && (error as { status?: unknown }).status !== undefined) return candidate;
    }
  }
  return undefined;
}

interface Started {
  readonly port: number;
  /** The process(es) whose CPU time is charged to the target (nginx's workers are found under its pid). */
  readonly pids: readonly number[];
}

function forkWithPort(
  script: string,
  args: readonly string[],
  execArgv: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Started> {
  const child = fork(new URL(script, import.meta.url), [...args], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: [...execArgv],
    env,
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('message', (message) =>
      resolve({ port: (message as { port: number }).port, pids: child.pid === undefined ? [] : [child.pid] }),
    );
    child.once('exit', (code) => reject(new Error(`${script} exited with ${String(code)}`)));
  });
}

/**
 * `count` copies of a script that takes its port as its last argument and binds it with SO_REUSEPORT:
 * the first picks a free port, the others join it.
 */
async function forkReplicas(
  count: number,
  script: string,
  args: readonly string[],
  execArgv: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Started> {
  const first = await forkWithPort(script, [...args, '0'], execArgv, env);
  const others = await Promise.all(
    Array.from({ length: Math.max(0, count - 1) }, () =>
      forkWithPort(script, [...args, String(first.port)], execArgv, env),
    ),
  );
  return { port: first.port, pids: [...first.pids, ...others.flatMap((other) => other.pids)] };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startNginx(
  nginx: string,
  upstreamPort: number,
  dir: string,
  workers: number,
): Promise<Started> {
  const port = await freePort();
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes ${workers};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  ${nginxAccessLog ? `log_format line '$remote_addr $request_id "$request" $status $request_time';\n  access_log /dev/null line;` : 'access_log off;'}
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream legacy {
    server 127.0.0.1:${upstreamPort};
    keepalive 128;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://legacy;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
  );
  const child = spawn(nginx, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  await waitForPort(port, 5000);
  return { port, pids: child.pid === undefined ? [] : [child.pid] };
}

function toMs(value: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(value);
  if (match === null) return Number.NaN;
  const n = Number(match[1]);
  const unit = match[2];
  return unit === 'us' ? n / 1000 : unit === 'ms' ? n : unit === 's' ? n * 1000 : n * 60_000;
}

function runWrk(wrk: string, url: string, durationSeconds: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      wrk,
      [`-t${threads}`, `-c${connections}`, `-d${durationSeconds}s`, '--latency', url],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`wrk exited with ${code}`)),
    );
  });
}

/** The process and its direct children (nginx's workers), by pid. */
function processTree(pid: number): number[] {
  const pids = [pid];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** utime + stime in clock ticks (USER_HZ, 100 on Linux) over the given processes. */
function cpuTicks(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone: nothing more to count.
    }
  }
  return ticks;
}

const TICK_MICROS = 10_000;

async function measure(
  wrk: string,
  name: string,
  url: string,
  proxyPids: readonly number[],
): Promise<Result> {
  if (warmupSeconds > 0) await runWrk(wrk, url, warmupSeconds);
  const trees = proxyPids.map((pid) => processTree(pid));
  const pids = trees.flat();
  const treeTicksBefore = trees.map((tree) => cpuTicks(tree));
  const output = await runWrk(wrk, url, seconds);
  const treeTicks = trees.map((tree, i) => cpuTicks(tree) - (treeTicksBefore[i] ?? 0));
  const ticks = treeTicks.reduce((sum, value) => sum + value, 0);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output)?.[1];
  const p50 = /^\s+50%\s+(\S+)/m.exec(output)?.[1];
  const p99 = /^\s+99%\s+(\S+)/m.exec(output)?.[1];
  const errors = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1];
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrorCount =
    socketErrors === null ? 0 : socketErrors.slice(1).reduce((sum, value) => sum + Number(value), 0);
  const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? 0);
  return {
    name,
    cpuMicrosPerRequest: pids.length === 0 || requests === 0 ? undefined : (ticks * TICK_MICROS) / requests,
    cpuSplit: trees.length < 2 || ticks === 0 ? undefined : treeTicks.map((value) => (100 * value) / ticks),
    requestsPerSecond: Number(rps),
    p50Ms: toMs(p50 ?? ''),
    p99Ms: toMs(p99 ?? ''),
    errors: Number(errors ?? 0) + socketErrorCount,
  };
}

function median(results: readonly Result[]): Result {
  const sorted = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error('no measurement');
  return middle;
}

function print(results: readonly Result[]): void {
  const direct = results.find((r) => r.name === 'direct');
  // The base is nginx at its best process count on this machine, so no count flatters strangler.
  const nginx = results
    .filter((r) => r.name === 'nginx' || r.name.startsWith('nginx ×'))
    .reduce<Result | undefined>(
      (best, r) => (best === undefined || r.requestsPerSecond > best.requestsPerSecond ? r : best),
      undefined,
    );
  const pad = (text: string, width: number): string => text.padStart(width);
  console.log(
    `\n${'target'.padEnd(32)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('errors', 8)}` +
      `${pad('vs direct', 11)}${pad('vs nginx', 10)}${pad('p50/nginx', 11)}${pad('cpu µs/req', 12)}${pad('cpu split %', 13)}`,
  );
  for (const r of results) {
    const ratio = (base: Result | undefined): string =>
      base === undefined ? '-' : `${(r.requestsPerSecond / base.requestsPerSecond).toFixed(2)}x`;
    const p50Ratio = nginx === undefined ? '-' : `${(r.p50Ms / nginx.p50Ms).toFixed(2)}x`;
    console.log(
      `${r.name.padEnd(32)}${pad(r.requestsPerSecond.toFixed(0), 10)}${pad(r.p50Ms.toFixed(2), 9)}` +
        `${pad(r.p99Ms.toFixed(2), 9)}${pad(String(r.errors), 8)}${pad(ratio(direct), 11)}${pad(ratio(nginx), 10)}` +
        `${pad(p50Ratio, 11)}${pad(r.cpuMicrosPerRequest === undefined ? '-' : r.cpuMicrosPerRequest.toFixed(1), 12)}` +
        `${pad(r.cpuSplit === undefined ? '-' : r.cpuSplit.map((share) => share.toFixed(0)).join('/'), 13)}`,
    );
  }
  if (nginx !== undefined) {
    for (const r of results.filter((result) => result.name.startsWith('strangler'))) {
      const throughput = r.requestsPerSecond / nginx.requestsPerSecond;
      const latency = r.p50Ms / nginx.p50Ms;
      const verdict = throughput >= 0.6 && latency <= 2 ? 'meets' : 'misses';
      console.log(
        `${r.name}: ${verdict} the target (req/s ${throughput.toFixed(2)}x ${nginx.name} ≥ 0.6x, p50 ${latency.toFixed(2)}x ≤ 2x)`,
      );
    }
  } else if (wanted('nginx')) {
    console.log('nginx is not installed: no nginx comparison (apt-get install -y nginx)');
  }
}

async function main(): Promise<void> {
  const wrk = which('wrk');
  if (wrk === undefined) throw new Error('wrk is not installed (apt-get install -y wrk)');
  const nginx = which('nginx');
  const dir = mkdtempSync(join(tmpdir(), 'strangler-bench-'));
  try {
    const upstream = await forkWithPort('./bench/upstream-server.ts', []);
    const legacyHref = `http://127.0.0.1:${upstream.port}`;
    const profileDir = join(process.cwd(), 'artifacts', 'bench-profile');
    const cpuProfile = (name: string): string[] =>
      profile ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`] : [];
    const at = (started: Started, path: string): string => `http://127.0.0.1:${started.port}${path}`;
    const targets: { name: string; url: string; pids: readonly number[] }[] = [];
    const add = (name: string, started: Started | undefined, path: string): void => {
      if (started !== undefined) targets.push({ name, url: at(started, path), pids: started.pids });
    };
    if (wanted('direct')) add('direct', upstream, '/api/other');
    // Every process count gets its own set of servers; the idle ones cost nothing while another runs.
    for (const count of processCounts) {
      const suffix = processCounts.length > 1 ? ` ×${count}` : '';
      if (wanted('nginx') && nginx !== undefined) {
        const nginxDir = join(dir, `nginx-${count}`);
        mkdirSync(nginxDir);
        add(`nginx${suffix}`, await startNginx(nginx, upstream.port, nginxDir, count), '/api/other');
      }
      const references: [string, string][] = [
        ['node', 'node:http floor'],
        ['undici', 'node:http+undici floor'],
        ['hpm-bare', 'hpm bare'],
        ['hpm-express', 'express+hpm default'],
      ];
      for (const [kind, label] of references) {
        if (!wanted(kind)) continue;
        const started = await forkReplicas(
          count,
          './bench/reference-proxy.ts',
          [kind, legacyHref],
          cpuProfile(kind),
        );
        add(`${label}${suffix}`, started, '/api/other');
      }
      if (!wanted('catch-all') && !wanted('route')) continue;
      for (const engine of engines) {
        const started = await forkReplicas(
          count,
          './bench/strangler-server.ts',
          [legacyHref],
          cpuProfile(`${engine}-${count}`),
          { ...process.env, PROXY_ENGINE: engine },
        );
        const label = engine === 'http-proxy-middleware' ? 'hpm' : engine;
        if (wanted('catch-all')) add(`strangler catch-all ${label}${suffix}`, started, '/api/other');
        if (wanted('route')) add(`strangler route ${label}${suffix}`, started, '/api/athletes');
      }
    }
    console.log(
      `wrk -t${threads} -c${connections} -d${seconds}s after ${warmupSeconds}s warm-up, ${roundCount} round(s); ` +
        '1 KB JSON GET; ' +
        `×N: nginx with N workers, strangler and the node references as N replicas on one port ` +
        `(N = ${processCounts.join(', ')}); strangler logs at ${process.env.LOG_LEVEL ?? 'info'}, nginx's access log ${nginxAccessLog ? 'on' : 'off'}; load average ${loadavg()
          .map((value) => value.toFixed(1))
          .join(' ')}`,
    );
    // Rounds interleave the targets so a burst of load elsewhere on the machine hits all of them;
    // the table shows each target's median round (by req/s).
    const rounds: Result[][] = targets.map(() => []);
    for (let round = 0; round < roundCount; round += 1) {
      for (const [i, target] of targets.entries()) {
        rounds[i]?.push(await measure(wrk, target.name, target.url, target.pids));
      }
    }
    const results = rounds.map((measured) => median(measured));
    print(results);
    if (profile) console.log(`CPU profiles: ${profileDir} (written when the processes exit)`);
  } finally {
    await stopChildren();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function stopChildren(): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
          }
          const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          // Forked node children leave on disconnect (so a profile gets written); nginx on SIGQUIT.
          if (child.connected) child.disconnect();
          else child.kill('SIGQUIT');
        }),
    ),
  );
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopChildren();
  process.exitCode = 1;
});
