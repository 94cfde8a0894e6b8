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
import { loadavg } from 'node:os';
import { loadConfig } from '../src/config.ts';
import { compareBench } from './bench/compare-throughput.ts';
import { cpuCount, otherCpus, pin, proxyCpu, shadowCpus } from './bench/cpu-pinning.ts';
import { printLatency } from './bench/latency-report.ts';
import { startLatencyRig } from './bench/latency-rig.ts';
import type { LatencyRig } from './bench/latency-rig.ts';
import { measureModes, selectModes } from './bench/latency-segments.ts';

const latencyMode = process.argv.includes('--latency');
const engine = loadConfig({ PROXY_ENGINE: process.env.PROXY_ENGINE }).proxyEngine;
const secondsArg = process.argv.slice(2).find((a) => /^\d+(\.\d+)?$/.test(a));
const seconds = Number(secondsArg ?? (latencyMode ? 5 : 3));

async function latencyBench(): Promise<void> {
  const rate = Number(process.env.BENCH_RATE ?? 500);
  // The route's shadow sample rate: 1 compares every request (the routes' default), the worst case.
  const sampleRate = Number(process.env.BENCH_SAMPLE_RATE ?? 1);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const rig = await startLatencyRig(engine, sampleRate);
  console.log(runLine(rig, rounds, rate));
  try {
    const modes = selectModes(rig);
    printLatency(await measureModes(rig, modes, { rounds, seconds, rate }), modes, rounds);
  } finally {
    await rig.close();
  }
}

function runLine(rig: LatencyRig, rounds: number, rate: number): string {
  const pinning = pin
    ? `proxy pinned to CPU ${proxyCpu}, generator and legacy to ${otherCpus}` +
      (shadowCpus === undefined || shadowCpus === '' ? '' : `, shadow threads to ${shadowCpus}`)
    : 'no CPU pinning';
  return (
    `${rounds} rounds of ${seconds}s per mode at ${rate} req/s (open loop), shadow sample rate ${rig.sampleRate}, engine ${rig.engine}, ` +
    `shadow thread priority ${rig.threadPriority}, ${pinning}, store: ${rig.storeKind}, ` +
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${cpuCount} CPUs`
  );
}

await (latencyMode ? latencyBench() : compareBench(seconds));
