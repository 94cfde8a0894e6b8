/** The latency bench's output: one line per mode, then shadow against legacy and the A/A spread. */
import { isShadow } from './latency-segments.ts';
import type { Measured, Mode, ModeSamples } from './latency-segments.ts';
import { quantile } from './quantile.ts';

type Figures = ReturnType<typeof summary>;

function summary(samples: ModeSamples) {
  const latencies = samples.results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const elapsed = samples.results.reduce((sum, r) => sum + r.elapsed, 0);
  const perRequest = (value: number) => value / Math.max(1, latencies.length);
  return {
    rps: latencies.length / elapsed,
    p50: quantile(latencies, 0.5),
    p90: quantile(latencies, 0.9),
    p99: quantile(latencies, 0.99),
    p999: quantile(latencies, 0.999),
    errors: samples.results.reduce((sum, r) => sum + r.errors, 0),
    cpuPerRequest: perRequest(samples.cpuMicros),
    mainCpuPerRequest: perRequest(samples.mainCpuMicros),
    mainSystemPerRequest: perRequest(samples.mainSystemMicros),
    faultsPerSecond: samples.pageFaults / elapsed,
    voluntaryPerRequest: perRequest(samples.voluntarySwitches),
    involuntaryPerRequest: perRequest(samples.involuntarySwitches),
    allocPerRequest: perRequest(samples.allocBytes),
    loopP99: Math.max(...samples.loopDelay.map((d) => d.p99)),
    loopMax: Math.max(...samples.loopDelay.map((d) => d.max)),
    gcPerSecond: samples.gcPauses.length / elapsed,
    gcMsPerSecond: samples.gcPauses.reduce((sum, ms) => sum + ms, 0) / elapsed,
    gcMax: Math.max(0, ...samples.gcPauses),
  };
}

export function printLatency(measured: Measured, modes: readonly Mode[], rounds: number): void {
  const figures = Object.fromEntries(modes.map((mode) => [mode, summary(measured.samples[mode])])) as Record<
    Mode,
    Figures
  >;
  for (const mode of modes) console.log(modeLine(mode, figures[mode], measured.allocMeasured));
  if (modes.includes('legacy') && modes.includes('legacy again'))
    printRatios(measured, modes, figures, rounds);
}

function modeLine(mode: Mode, f: Figures, allocMeasured: boolean): string {
  return (
    `${mode.padEnd(20)} ${f.rps.toFixed(0).padStart(6)} req/s  p50 ${f.p50.toFixed(2).padStart(6)} ms  ` +
    `p90 ${f.p90.toFixed(2)} ms  p99 ${f.p99.toFixed(2).padStart(6)} ms  p99.9 ${f.p999.toFixed(2)} ms  CPU ${f.cpuPerRequest.toFixed(0).padStart(4)} µs/request (proxy thread ${f.mainCpuPerRequest.toFixed(0)}, kernel ${f.mainSystemPerRequest.toFixed(0)}; switches/request ${f.voluntaryPerRequest.toFixed(2)} woken, ${f.involuntaryPerRequest.toFixed(2)} preempted)  ${f.faultsPerSecond.toFixed(0)} page faults/s  ` +
    (allocMeasured ? `${(f.allocPerRequest / 1024).toFixed(1)} KiB allocated/request  ` : '') +
    `event-loop delay p99 ${f.loopP99.toFixed(2)} ms, max ${f.loopMax.toFixed(2)} ms  ` +
    `GC ${f.gcPerSecond.toFixed(1)} pauses/s, ${f.gcMsPerSecond.toFixed(1)} ms/s, max ${f.gcMax.toFixed(1)} ms  errors ${f.errors}`
  );
}

function printRatios(
  measured: Measured,
  modes: readonly Mode[],
  figures: Record<Mode, Figures>,
  rounds: number,
): void {
  const results = (mode: Mode) => measured.samples[mode].results;
  // Per-round ratios too: their median shrugs off one round that a burst from elsewhere spoiled.
  const roundP99 = (mode: Mode, round: number) =>
    quantile(
      [...(results(mode)[round]?.latencies ?? [])].sort((a, b) => a - b),
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
    [...results('legacy'), ...results('legacy again')].flatMap((r) => r.latencies).sort((a, b) => a - b),
    0.99,
  );
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
      `  (comparisons ${measured.comparisons}, dropped ${measured.dropped})`,
  );
}
