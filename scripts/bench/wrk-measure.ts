/**
 * One bench measurement: wrk against a URL after a warm-up, with the CPU time the proxy's processes
 * spent meanwhile (from /proc), parsed into a Result.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** wrk's settings, the same for every target of a run. */
export interface WrkLoad {
  readonly seconds: number;
  readonly connections: number;
  readonly threads: number;
  readonly warmupSeconds: number;
}

export interface Result {
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

function toMs(value: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(value);
  if (match === null) return Number.NaN;
  const n = Number(match[1]);
  const unit = match[2];
  return unit === 'us' ? n / 1000 : unit === 'ms' ? n : unit === 's' ? n * 1000 : n * 60_000;
}

/** wrk's command line for `load` against `url` for `seconds`. */
export function wrkArguments(
  load: WrkLoad,
  seconds: number,
  url: string,
  headers: Readonly<Record<string, string>>,
): string[] {
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  return [`-t${load.threads}`, `-c${load.connections}`, `-d${seconds}s`, '--latency', ...headerArgs, url];
}

function runWrk(
  wrk: string,
  load: WrkLoad,
  url: string,
  durationSeconds: number,
  headers: Readonly<Record<string, string>>,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(wrk, wrkArguments(load, durationSeconds, url, headers), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`wrk exited with ${code}`)),
    );
  });
}

/**
 * The indices of `count` targets in the order pass `pass` runs them: reversed every other pass, so a
 * machine slowing down (or speeding up) over the run does not favour whichever target comes first.
 */
export function serpentine(count: number, pass: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  return pass % 2 === 1 ? order.reverse() : order;
}

/** The process and its direct children (nginx's workers), by pid. */
export function processTree(pid: number): number[] {
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

export async function measure(
  wrk: string,
  load: WrkLoad,
  name: string,
  url: string,
  proxyPids: readonly number[],
  headers: Readonly<Record<string, string>> = {},
): Promise<Result> {
  if (load.warmupSeconds > 0) await runWrk(wrk, load, url, load.warmupSeconds, headers);
  const trees = proxyPids.map((pid) => processTree(pid));
  const pids = trees.flat();
  const treeTicksBefore = trees.map((tree) => cpuTicks(tree));
  const output = await runWrk(wrk, load, url, load.seconds, headers);
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

export function median(results: readonly Result[]): Result {
  const sorted = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error('no measurement');
  return middle;
}
