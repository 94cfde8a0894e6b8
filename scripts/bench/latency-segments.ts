/**
 * The latency bench's measurement: segments of every mode at the same open-loop rate, alternating over
 * the rounds, each with what this process spent and suffered meanwhile (CPU, context switches, page
 * faults, allocations, event-loop delay, GC pauses).
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { ShadowRunner } from '../../src/shadow/shadow-runner.ts';
import type { LatencyRig } from './latency-rig.ts';
import type { LoadResult } from './load-generator.ts';

/**
 * `direct` is the generator against legacy with no proxy between: the floor this machine's generator
 * and legacy reach. `legacy again` is legacy mode a second time: how far apart two identical
 * configurations come out (an A/A test) is how finely this run can tell shadow mode from legacy mode.
 */
export const ALL_MODES = [
  'direct',
  'legacy',
  'shadow thread',
  'shadow thread normal',
  'shadow inline',
  'legacy again',
] as const;
export type Mode = (typeof ALL_MODES)[number];

export const isShadow = (mode: Mode): boolean => mode.startsWith('shadow');

/** What one mode's segments gave, summed over the rounds (lists: one entry per segment). */
export interface ModeSamples {
  readonly results: LoadResult[];
  /** CPU time of this process (proxy, shadow runner, writer): unlike latency, machine-independent. */
  cpuMicros: number;
  /** The same for the proxy's thread alone (without the shadow thread's share), and its kernel part. */
  mainCpuMicros: number;
  mainSystemMicros: number;
  /**
   * Context switches of the proxy's thread: voluntary ones are wake-ups (it slept in epoll_wait with
   * nothing to do), involuntary ones are another thread taking its core while it had work.
   */
  voluntarySwitches: number;
  involuntarySwitches: number;
  /** Minor page faults: memory the heap gave back and takes again (on a VM, a trip to the host each). */
  pageFaults: number;
  /**
   * BENCH_ALLOC=1: bytes allocated, from V8's sampling heap profiler with collected objects counted
   * (every 4 KiB allocated is one sample): what the young generation has to sweep.
   */
  allocBytes: number;
  /** How long the event loop was blocked: a request arriving during a block waits for it. */
  readonly loopDelay: { p99: number; max: number }[];
  /** GC pauses: every request that arrives during one waits for it. */
  readonly gcPauses: number[];
}

export interface Measured {
  readonly samples: Record<Mode, ModeSamples>;
  readonly comparisons: number;
  readonly dropped: number;
  readonly allocMeasured: boolean;
}

/** BENCH_MODES (comma-separated) runs only those, for a profile of one mode; shadow threads need a store. */
export function selectModes(rig: LatencyRig): Mode[] {
  const only = process.env.BENCH_MODES?.split(',');
  return ALL_MODES.filter((mode) =>
    only === undefined
      ? mode !== 'shadow thread normal' && (mode !== 'shadow thread' || rig.threaded !== undefined)
      : only.includes(mode) &&
        (mode !== 'shadow thread' || rig.threaded !== undefined) &&
        (mode !== 'shadow thread normal' || rig.normalThread !== undefined),
  );
}

/**
 * Segments of every mode alternate over the rounds (the order reversed every other round, so each mode
 * follows each other equally often), and a burst of load from elsewhere on a shared machine lands on
 * all of them rather than on one.
 */
export async function measureModes(
  rig: LatencyRig,
  modes: readonly Mode[],
  options: { readonly rounds: number; readonly seconds: number; readonly rate: number },
): Promise<Measured> {
  const samples = Object.fromEntries(ALL_MODES.map((mode) => [mode, emptySamples()])) as Record<
    Mode,
    ModeSamples
  >;
  const counted = { comparisons: 0, dropped: 0 };
  const allocSession = process.env.BENCH_ALLOC === '1' ? new Session() : undefined;
  allocSession?.connect();
  await allocSession?.post('HeapProfiler.enable');
  for (const mode of modes) {
    if (mode === 'direct') continue;
    enter(rig, mode);
    await rig.generator.run(rig.url, options.rate, 1);
  }
  await rig.pinShadowBackends();
  for (let round = 0; round < options.rounds; round++) {
    for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
      enter(rig, mode);
      const url = mode === 'direct' ? rig.directUrl : rig.url;
      // Half a second unmeasured first: after a `direct` segment the proxy's and the generator's idle
      // keep-alive connections have closed, and without this the arm after it paid for reconnecting
      // (legacy came out 2x worse than legacy again, which follows shadow instead).
      await rig.generator.run(url, options.rate, 0.5);
      await shadowOf(rig, mode).idle();
      const [c0, d0] = [await rig.comparisons(), await rig.drops()];
      await measureSegment(rig, mode, samples[mode], allocSession, () =>
        rig.generator.run(url, options.rate, options.seconds),
      );
      if (isShadow(mode)) {
        counted.comparisons += (await rig.comparisons()) - c0;
        counted.dropped += (await rig.drops()) - d0;
      }
    }
  }
  return { samples, ...counted, allocMeasured: allocSession !== undefined };
}

function enter(rig: LatencyRig, mode: Mode): void {
  rig.observeWith(shadowOf(rig, mode));
  if (mode !== 'direct') rig.flags.set(rig.route.flag, isShadow(mode) ? 'shadow' : 'legacy');
}

function shadowOf(rig: LatencyRig, mode: Mode): ShadowRunner {
  if (mode === 'shadow thread' && rig.threaded !== undefined) return rig.threaded;
  if (mode === 'shadow thread normal' && rig.normalThread !== undefined) return rig.normalThread;
  return rig.inline;
}

/** One measured segment: the load, and this process's costs meanwhile added to the mode's samples. */
async function measureSegment(
  rig: LatencyRig,
  mode: Mode,
  into: ModeSamples,
  allocSession: Session | undefined,
  run: () => Promise<LoadResult>,
): Promise<void> {
  const cpuStart = process.cpuUsage();
  const mainCpuStart = process.threadCpuUsage();
  const switchesStart = proxyThreadSwitches();
  const faultsStart = process.resourceUsage().minorPageFault;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) into.gcPauses.push(entry.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  await allocSession?.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  into.results.push(await run());
  delay.disable();
  gc.disconnect();
  into.loopDelay.push({ p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 });
  await shadowOf(rig, mode).idle();
  const sampled = await allocSession?.post('HeapProfiler.stopSampling');
  if (sampled !== undefined) into.allocBytes += sampledBytes(sampled.profile.head);
  const cpu = process.cpuUsage(cpuStart);
  into.cpuMicros += cpu.user + cpu.system;
  const mainCpu = process.threadCpuUsage(mainCpuStart);
  into.mainCpuMicros += mainCpu.user + mainCpu.system;
  into.mainSystemMicros += mainCpu.system;
  const switches = proxyThreadSwitches();
  into.voluntarySwitches += switches.voluntary - switchesStart.voluntary;
  into.involuntarySwitches += switches.involuntary - switchesStart.involuntary;
  into.pageFaults += process.resourceUsage().minorPageFault - faultsStart;
}

function emptySamples(): ModeSamples {
  return {
    results: [],
    cpuMicros: 0,
    mainCpuMicros: 0,
    mainSystemMicros: 0,
    voluntarySwitches: 0,
    involuntarySwitches: 0,
    pageFaults: 0,
    allocBytes: 0,
    loopDelay: [],
    gcPauses: [],
  };
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

/** The bytes a sampling heap profile's tree accounts for. */
function sampledBytes(node: { selfSize: number; children: readonly unknown[] }): number {
  let total = node.selfSize;
  for (const child of node.children) total += sampledBytes(child as typeof node);
  return total;
}
