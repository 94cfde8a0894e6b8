import type { Result } from './wrk-measure.ts';

/** A target's rounds, in the order they ran. */
export interface Rounds {
  readonly name: string;
  readonly rounds: readonly Result[];
}

/*
 * Interference on a shared machine only ever adds CPU time to a request (another process evicting the
 * caches, a core taken away mid-request), so the round with the least CPU per request is the one
 * closest to the code's own cost; a single round of a neighbour's build can put a target 30% up. Each
 * comparison gives that ratio, the median of the per-round ratios (rounds interleave, so a round's
 * targets ran seconds apart), and each side's best round.
 */
const COMPARISONS: readonly (readonly [RegExp, RegExp, number, string])[] = [
  [/^strangler (catch-all|route) undici$/, /^node:http\+undici floor$/, 1.15, 'the node:http+undici floor'],
  [
    /^strangler catch-all traced undici$/,
    /^strangler catch-all undici$/,
    1.2,
    'strangler catch-all untraced',
  ],
];

export function printCpuAgainstFloor(targets: readonly Rounds[]): void {
  const lines: string[] = [];
  for (const [subject, base, limit, baseName] of COMPARISONS) {
    const against = targets.find((t) => base.test(t.name));
    if (against === undefined) continue;
    for (const target of targets.filter((t) => subject.test(t.name))) {
      lines.push(comparison(target, against, limit, baseName));
    }
  }
  if (lines.length === 0) return;
  console.log('\nCPU per request (µs, best round of each) against its baseline, same run:');
  for (const line of lines) console.log(line);
  console.log('every round, in order (µs per request):');
  for (const target of targets) {
    const values = target.rounds.map((r) => r.cpuMicrosPerRequest?.toFixed(1) ?? '-');
    console.log(`  ${target.name.padEnd(36)}${values.join(' ')}`);
  }
}

function comparison(target: Rounds, base: Rounds, limit: number, baseName: string): string {
  const best = lowestCpu(target.rounds);
  const baseBest = lowestCpu(base.rounds);
  if (best === undefined || baseBest === undefined) return `${target.name}: no CPU figure`;
  const ratio = best / baseBest;
  const perRound = target.rounds
    .map((round, i) => (round.cpuMicrosPerRequest ?? NaN) / (base.rounds[i]?.cpuMicrosPerRequest ?? NaN))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const medianRatio = perRound[Math.floor(perRound.length / 2)];
  const verdict = ratio <= limit ? 'meets' : 'misses';
  return (
    `${target.name}: ${best.toFixed(1)} against ${baseBest.toFixed(1)} (${baseName}): ${ratio.toFixed(2)}x, ` +
    `${verdict} ≤ ${limit}x; median of ${perRound.length} per-round ratios ${medianRatio?.toFixed(2) ?? '-'}x`
  );
}

function lowestCpu(rounds: readonly Result[]): number | undefined {
  const values = rounds.map((r) => r.cpuMicrosPerRequest).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : Math.min(...values);
}
