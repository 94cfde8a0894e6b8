import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

import type { ShadowThreadPriority } from './shadow-thread-options.ts';

/**
 * Linux schedules threads, not processes: `chrt -p` and setpriority(2) with pid 0 change the calling
 * thread alone, so the proxy's thread keeps its priority. SCHED_IDLE is preempted by any normal task
 * that wakes up; a nice value only weighs the thread's share, and a niced thread that holds the CPU
 * when the proxy wakes may finish its time slice first. Elsewhere a nice value may apply to the whole
 * process, so nothing is changed there.
 */
export function lowerPriority(wanted: ShadowThreadPriority): string {
  if (process.platform !== 'linux') return 'unchanged (not Linux)';
  let nice = wanted;
  if (nice === 'idle') {
    try {
      const tid = readlinkSync('/proc/thread-self').split('/').pop() as string;
      execFileSync('chrt', ['--idle', '-p', '0', tid], { stdio: 'ignore', timeout: 5000 });
      return 'SCHED_IDLE';
    } catch {
      // No chrt (util-linux) here: the next best thing.
      nice = 19;
    }
  }
  if (nice === 0) return 'unchanged';
  try {
    setPriority(nice);
    return `nice ${nice}`;
  } catch {
    return 'unchanged (not permitted)';
  }
}
