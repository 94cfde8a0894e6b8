import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * BENCH_PIN=1 (scripts/bench.ts and the latency rig): the proxy process (all its threads) on the last
 * CPU, the load generator, legacy and the PostgreSQL backends of the shadow store's connections on the
 * others, as in production where clients, legacy and the database run elsewhere. Without it every
 * process competes for every core and the scheduler's time slices land in the tail at random (the same
 * configuration measured twice differed by up to 1.3× at p99 on 2 cores, and CPU per request by up to
 * 1.5× between rounds). Needs taskset (util-linux).
 */
export const pin = process.env.BENCH_PIN === '1';
export const cpuCount = availableParallelism();
export const proxyCpu = String(cpuCount - 1);
export const otherCpus = cpuCount > 1 ? `0-${cpuCount - 2}` : '0';
export function pinTo(pid: number | undefined, cpus: string): void {
  if (!pin || pid === undefined) return;
  execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
}

/**
 * BENCH_SHADOW_CPUS (with BENCH_PIN=1): CPUs for the shadow threads alone, e.g. the generator's, to
 * measure what sharing the proxy's core costs the proxy's thread. By default they share the proxy's
 * core (the process's affinity), as they would on a host with one replica per core.
 */
export const shadowCpus = process.env.BENCH_SHADOW_CPUS;
export function pinShadowThreads(): void {
  if (!pin || shadowCpus === undefined || shadowCpus === '') return;
  for (const tid of readdirSync('/proc/self/task')) {
    // Node names a worker's thread after the Worker's name (truncated to 15 characters).
    if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'strangler-shado') continue;
    execFileSync('taskset', ['-cp', shadowCpus, tid], { stdio: 'ignore' });
  }
}

/** A pid of a PostgreSQL server process on this machine. */
export function isLocalPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
  } catch {
    return false;
  }
}
