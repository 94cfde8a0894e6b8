/**
 * What the soak prints: a progress line every 30 s, the summary at the end and the verdict. The verdict
 * asks two things: memory is flat after warm-up (end RSS ≤ warm-up RSS × 1.10 + 20 MiB), and no
 * well-behaved request failed outside the legacy restart window.
 */
import { quantile } from '../bench/quantile.ts';
import type { StranglerSample } from './strangler-probe.ts';
import { SLOW_KINDS, type SlowKind, type SlowStats } from './slow-clients.ts';
import type { SoakTally } from './soak-tally.ts';
import { TRAFFIC_CLASSES } from './soak-traffic.ts';

const MIB = 1024 * 1024;
export const WARM_UP_MS = 60_000;
export const RSS_GROWTH_FACTOR = 1.1;
export const RSS_GROWTH_MIB = 20;
/** Failures outside the restart window shown with their answer. */
const EXAMPLES = 4;

const mib = (bytes: number): string => (bytes / MIB).toFixed(1);
const ms = (value: number): string => (Number.isNaN(value) ? '–' : value.toFixed(1));
const seconds = (milliseconds: number): string => `${(milliseconds / 1000).toFixed(0)} s`;
const tenths = (milliseconds: number): string => `${(milliseconds / 1000).toFixed(1)} s`;
const statuses = (record: Readonly<Record<string, number>>): string =>
  Object.keys(record).length === 0
    ? 'none'
    : Object.entries(record)
        .map(([status, n]) => `${status}×${n}`)
        .join(', ');

/** The warm-up: the first 60 s, or the first quarter of a shorter run. */
export const warmUpMs = (runMs: number): number => Math.min(WARM_UP_MS, runMs / 4);

/** strangler's CPU between two samples, in % of one core. */
function cpuPercent(samples: readonly StranglerSample[], fromMs: number): string {
  const last = samples.at(-1);
  const before = samples.findLast((s) => s.atMs <= fromMs) ?? samples[0];
  if (last === undefined || before === undefined || last.atMs <= before.atMs) return '–';
  return (((last.cpuSeconds - before.cpuSeconds) * 100_000) / (last.atMs - before.atMs)).toFixed(0);
}

export function progressLine(
  tally: SoakTally,
  slow: Readonly<Record<SlowKind, SlowStats>>,
  atMs: number,
  sinceMs: number,
): string {
  const sample = tally.samples.at(-1);
  const counts = tally.countsByClass();
  const classes = TRAFFIC_CLASSES.map((c) => `${c} ${counts[c].sent}/${counts[c].ok}/${counts[c].failed}`);
  const slowClients = SLOW_KINDS.map((k) => `${k} opened ${slow[k].opened} cut ${slow[k].cut}`);
  return [
    `[${seconds(atMs).padStart(6)}] rss ${sample === undefined ? '–' : mib(sample.rssBytes)} MiB`,
    `heap ${sample === undefined ? '–' : mib(sample.heapUsedBytes)} MiB`,
    `cpu ${cpuPercent(tally.samples, sinceMs)}%, loop lag p99 ${sample === undefined ? '–' : ms(sample.loopLagP99Seconds * 1000)} ms`,
    `p99 ${ms(quantile(tally.latencies(sinceMs, atMs), 0.99))} ms (last 30 s)`,
    `sent/ok/failed ${classes.join(', ')}`,
    slowClients.join(', '),
  ].join(' | ');
}

export interface MemoryVerdict {
  readonly warmUp: StranglerSample | undefined;
  readonly end: StranglerSample | undefined;
  /** Least-squares slope of RSS after warm-up, MiB per minute. */
  readonly slopeMibPerMin: number;
  readonly limitBytes: number;
  readonly flat: boolean;
}

export function memoryVerdict(samples: readonly StranglerSample[], runMs: number): MemoryVerdict {
  const after = samples.filter((s) => s.atMs >= warmUpMs(runMs));
  const warmUp = after[0];
  const end = samples.at(-1);
  const limitBytes = warmUp === undefined ? NaN : warmUp.rssBytes * RSS_GROWTH_FACTOR + RSS_GROWTH_MIB * MIB;
  const n = after.length;
  const meanT = after.reduce((sum, s) => sum + s.atMs, 0) / n;
  const meanR = after.reduce((sum, s) => sum + s.rssBytes, 0) / n;
  const covariance = after.reduce((sum, s) => sum + (s.atMs - meanT) * (s.rssBytes - meanR), 0);
  const variance = after.reduce((sum, s) => sum + (s.atMs - meanT) ** 2, 0);
  const slopeMibPerMin = n < 2 || variance === 0 ? 0 : ((covariance / variance) * 60_000) / MIB;
  const flat = warmUp !== undefined && end !== undefined && end.rssBytes <= limitBytes;
  return { warmUp, end, slopeMibPerMin, limitBytes, flat };
}

function slowLines(slow: Readonly<Record<SlowKind, SlowStats>>): string[] {
  return SLOW_KINDS.map((kind) => {
    const held = [...slow[kind].heldMs].sort((a, b) => a - b);
    const holds =
      held.length === 0
        ? 'none closed before the end'
        : `closed ones held p50 ${seconds(quantile(held, 0.5))}, max ${seconds(held.at(-1)!)}`;
    return (
      `  ${kind} clients: ${slow[kind].opened} connections, ${slow[kind].cut} cut without an answer, ` +
      `answered ${statuses(slow[kind].answered)}; ${holds}`
    );
  });
}

/** The summary's lines, the verdict line and whether the verdict passed. */
export function summary(
  tally: SoakTally,
  slow: Readonly<Record<SlowKind, SlowStats>>,
  runMs: number,
): { lines: string[]; verdict: string; pass: boolean } {
  const memory = memoryVerdict(tally.samples, runMs);
  const { during, outside } = tally.failures();
  const failedOutside = Object.values(outside).reduce((a, b) => a + b, 0);
  const failedDuring = Object.values(during).reduce((a, b) => a + b, 0);
  const counts = tally.countsByClass();
  const all = tally.latencies();
  const restart = tally.restart;
  const pass = memory.flat && failedOutside === 0;
  const lines = [
    'soak summary',
    `  RSS after warm-up (${seconds(warmUpMs(runMs))}): ${memory.warmUp === undefined ? '–' : mib(memory.warmUp.rssBytes)} MiB, ` +
      `at the end: ${memory.end === undefined ? '–' : mib(memory.end.rssBytes)} MiB, ` +
      `slope after warm-up ${memory.slopeMibPerMin.toFixed(2)} MiB/min, heap at the end ${memory.end === undefined ? '–' : mib(memory.end.heapUsedBytes)} MiB`,
    ...TRAFFIC_CLASSES.map((c) => {
      const latencies = tally.latencies(0, Infinity, c);
      return (
        `  ${c.padEnd(15)} sent ${counts[c].sent}, ok ${counts[c].ok}, failed ${counts[c].failed}; ` +
        `p50 ${ms(quantile(latencies, 0.5))} ms, p99 ${ms(quantile(latencies, 0.99))} ms`
      );
    }),
    restart === undefined
      ? '  legacy restart: none (the run ended first)'
      : `  legacy restart: stopped at ${tenths(restart.fromMs)}, listening again at ${restart.listeningMs === undefined ? 'never' : tenths(restart.listeningMs)} (the window ends ${tenths(tally.windowEndMs() ?? 0)})`,
    `  failed during the restart window: ${failedDuring} (${statuses(during)})`,
    `  failed outside it: ${failedOutside} (${statuses(outside)})`,
    ...tally
      .examplesOutside(EXAMPLES)
      .map(
        (o) =>
          `    e.g. ${o.cls} at ${tenths(o.sentMs)}: ${o.status ?? 'no answer'} ${(o.detail ?? '').replace(/\s+/g, ' ')}`,
      ),
    `  latency of successful requests: p50 ${ms(quantile(all, 0.5))} ms, p99 ${ms(quantile(all, 0.99))} ms`,
    ...slowLines(slow),
  ];
  const verdict =
    `verdict: ${pass ? 'PASS' : 'FAIL'}: memory ${memory.flat ? 'flat' : 'NOT flat'} (end RSS ${memory.end === undefined ? '–' : mib(memory.end.rssBytes)} MiB ` +
    `vs limit ${mib(memory.limitBytes)} MiB = warm-up × ${RSS_GROWTH_FACTOR} + ${RSS_GROWTH_MIB} MiB); ` +
    `${failedOutside} well-behaved request(s) failed outside the restart window`;
  return { lines, verdict, pass };
}
