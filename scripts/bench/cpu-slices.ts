/**
 * CPU per request of a few targets taken in short slices in turn, for comparing them with each
 * other. Each target gets its own wrk, started once and held stopped (SIGSTOP) outside its slices, so
 * a slice is one target under the same load as a round, and the targets' slices are a fraction of a
 * second apart instead of a round's seconds: on a shared machine CPU per request drifts within
 * seconds by more than the differences measured here, and hundreds of close pairs average that out
 * where a few dozen rounds cannot. CPU comes from each thread's schedstat (nanoseconds; /proc's stat
 * counts 10 ms ticks), requests from the upstream every target forwards to.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Rounds } from './cpu-against-floor.ts';
import { processTree, serpentine, wrkArguments } from './wrk-measure.ts';
import type { WrkLoad } from './wrk-measure.ts';

export interface SlicedTarget {
  readonly name: string;
  readonly url: string;
  readonly pids: readonly number[];
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SliceSettings {
  readonly sliceMs: number;
  readonly cycles: number;
  readonly warmupMs: number;
}

/** After a wrk is stopped, the responses it asked for still pass through the proxy: this long. */
const SETTLE_MS = 15;

/**
 * Runs `cycles` cycles of one slice per target (serpentine order, as the rounds) and gives each
 * target's CPU per request, slice by slice; `requestsServed` is the upstream's running count.
 */
export async function measureInSlices(
  wrk: string,
  load: WrkLoad,
  targets: readonly SlicedTarget[],
  requestsServed: () => Promise<number>,
  settings: SliceSettings,
): Promise<Rounds[]> {
  const { sliceMs, cycles, warmupMs } = settings;
  // Long enough never to end on its own: every wrk is killed below.
  const seconds =
    Math.ceil(((cycles * (sliceMs + 4 * SETTLE_MS) + warmupMs) * targets.length) / 1000) * 2 + 10;
  const loads = targets.map((target) => startStopped(wrk, load, target, seconds));
  try {
    for (const child of loads) await slice(child, warmupMs);
    const perRequest: number[][] = targets.map(() => []);
    // nginx's workers are found once: a target's processes stay the same for the whole measurement.
    const pidsOf = targets.map((target) => target.pids.flatMap(processTree));
    // Outside a slice every wrk is stopped and settled, so the count read after one slice is also
    // the count before the next.
    let served = await requestsServed();
    for (let cycle = 0; cycle < cycles; cycle += 1) {
      for (const i of serpentine(targets.length, cycle)) {
        const pids = pidsOf[i] as number[];
        const cpuBefore = cpuNanos(pids);
        await slice(loads[i] as ChildProcess, sliceMs);
        const servedBefore = served;
        served = await requestsServed();
        if (served === servedBefore) {
          throw new Error(`${(targets[i] as SlicedTarget).name}: no request in a ${sliceMs} ms slice`);
        }
        perRequest[i]?.push((cpuNanos(pids) - cpuBefore) / 1000 / (served - servedBefore));
      }
    }
    return targets.map((target, i) => ({ name: target.name, cpuMicrosPerRequest: perRequest[i] ?? [] }));
  } finally {
    for (const child of loads) child.kill('SIGKILL');
  }
}

function startStopped(wrk: string, load: WrkLoad, target: SlicedTarget, seconds: number): ChildProcess {
  // A generous timeout: a request in flight when its wrk is stopped is answered only after the others' slices.
  const args = [...wrkArguments(load, seconds, target.url, target.headers ?? {}), '--timeout', '30s'];
  const child = spawn(wrk, args, { stdio: 'ignore' });
  child.kill('SIGSTOP');
  return child;
}

async function slice(child: ChildProcess, ms: number): Promise<void> {
  child.kill('SIGCONT');
  await sleep(ms);
  child.kill('SIGSTOP');
  await sleep(SETTLE_MS);
}

/** Time on a CPU of every thread of `pids`, in nanoseconds (the first field of schedstat). */
function cpuNanos(pids: readonly number[]): number {
  let nanos = 0;
  for (const pid of pids) {
    let threads: string[];
    try {
      threads = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of threads) {
      try {
        nanos += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // The thread ended while we looked; its time is lost to this slice, as to a round.
      }
    }
  }
  return nanos;
}
