import { quantile } from './quantile.ts';

/** A target's CPU per request (µs), one figure per round or slice, in the order they ran. */
export interface Rounds {
  readonly name: string;
  readonly cpuMicrosPerRequest: readonly (number | undefined)[];
}

/*
 * On a shared 2-core machine CPU per request drifts by up to 2x over a minute (other tenants, the
 * host), far more than the differences measured here. Rounds (and slices, cpu-slices.ts) interleave
 * the targets in serpentine order, so each one compares a target with its baseline measured close in
 * time; the verdict is the median of those per-round ratios, given with the range its rank
 * statistics allow at 95%. Each side's best round (interference only ever adds CPU time) is given
 * beside it, as is every round when there are few.
 */
const COMPARISONS: readonly (readonly [RegExp, RegExp, number | undefined, string])[] = [
  [/^strangler (catch-all|route) undici$/, /^node:http\+undici floor$/, 1.15, 'the node:http+undici floor'],
  // For reference, no target: how much of the floor's gap is the forwarding every proxy must do.
  [
    /^strangler (catch-all|route) undici$/,
    /^node:http\+undici floor, forwarding$/,
    undefined,
    'the floor with the forwarding headers',
  ],
  [
    /^strangler catch-all traced undici$/,
    /^strangler catch-all undici$/,
    1.2,
    'strangler catch-all untraced',
  ],
];

/** The names among `names` that are compared, as a subject or a baseline, with another of them. */
export function compared(names: readonly string[]): string[] {
  const pairs = COMPARISONS.filter(
    ([subject, base]) => names.some((name) => subject.test(name)) && names.some((name) => base.test(name)),
  );
  return names.filter((name) => pairs.some(([subject, base]) => subject.test(name) || base.test(name)));
}

/**
 * Prints each compared target against its baseline. `starts` holds one measurement per start of the
 * processes (BENCH_STARTS): within a start the verdict is the median of the paired ratios; over
 * several, the median of the starts' medians, since a process placed and warmed differently at each
 * start moves the ratio by more than a start's own interval.
 */
export function printCpuAgainstFloor(starts: readonly (readonly Rounds[])[], how: string): void {
  const first = starts[0] ?? [];
  const lines: string[] = [];
  for (const [subject, base, limit, baseName] of COMPARISONS) {
    if (!first.some((t) => base.test(t.name))) continue;
    for (const target of first.filter((t) => subject.test(t.name))) {
      const pairs = starts.map((targets) => ({
        target: targets.find((t) => t.name === target.name) ?? target,
        base: targets.find((t) => base.test(t.name)) as Rounds,
      }));
      lines.push(comparison(pairs, limit, baseName));
    }
  }
  if (lines.length === 0) return;
  console.log(`\nCPU per request against its baseline, ${how}:`);
  for (const line of lines) console.log(line);
  if (starts.length > 1 || (first[0]?.cpuMicrosPerRequest.length ?? 0) > 40) return;
  console.log('every round or slice, in order (µs per request):');
  for (const target of first) {
    const values = target.cpuMicrosPerRequest.map((v) => v?.toFixed(1) ?? '-');
    console.log(`  ${target.name.padEnd(36)}${values.join(' ')}`);
  }
}

interface Pair {
  readonly target: Rounds;
  readonly base: Rounds;
}

function comparison(pairs: readonly Pair[], limit: number | undefined, baseName: string): string {
  const { target } = pairs[0] as Pair;
  // NaN for a start without a single paired ratio.
  const medians = pairs.map((pair) => quantile(pairedRatios(pair), 0.5));
  const ratio = median(medians.filter(Number.isFinite));
  const best = lowest(pairs.flatMap((pair) => pair.target.cpuMicrosPerRequest));
  const baseBest = lowest(pairs.flatMap((pair) => pair.base.cpuMicrosPerRequest));
  if (ratio === undefined || best === undefined || baseBest === undefined)
    return `${target.name}: no CPU figure`;
  const verdict =
    limit === undefined ? 'for reference' : `${ratio <= limit ? 'meets' : 'misses'} ≤ ${limit}x`;
  const spread = pairs.length === 1 ? withinStart(pairedRatios(pairs[0] as Pair)) : overStarts(medians);
  return (
    `${target.name}: ${ratio.toFixed(3)}x ${baseName} (${spread}), ` +
    `${verdict}; best ${best.toFixed(1)} and ${baseBest.toFixed(1)} µs (${(best / baseBest).toFixed(2)}x)`
  );
}

function pairedRatios({ target, base }: Pair): number[] {
  return target.cpuMicrosPerRequest
    .map((cpu, i) => (cpu ?? NaN) / (base.cpuMicrosPerRequest[i] ?? NaN))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
}

function withinStart(sorted: readonly number[]): string {
  const [low, high] = medianInterval(sorted);
  return (
    `median of ${sorted.length} paired ratios, 95% ${low.toFixed(3)}-${high.toFixed(3)}x; ` +
    `all ${sorted[0]?.toFixed(2)}-${sorted.at(-1)?.toFixed(2)}x`
  );
}

function overStarts(medians: readonly number[]): string {
  const each = medians.map((value) => (Number.isFinite(value) ? value.toFixed(3) : '-')).join(' ');
  return `median over ${medians.length} starts of each start's median paired ratio: ${each}`;
}

function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = sorted.length / 2;
  return Number.isInteger(middle)
    ? ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
    : sorted[Math.floor(middle)];
}

/**
 * A distribution-free 95% interval for the median of sorted `values`: the order statistics n/2 ∓
 * 1.96·√n/2 (the binomial count of values below the median, normally approximated).
 */
export function medianInterval(values: readonly number[]): [number, number] {
  const n = values.length;
  const spread = 0.98 * Math.sqrt(n);
  const at = (rank: number) => values[Math.min(n - 1, Math.max(0, Math.round(rank)))] ?? NaN;
  return [at(n / 2 - spread - 1), at(n / 2 + spread)];
}

function lowest(values: readonly (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === 0 ? undefined : Math.min(...known);
}
