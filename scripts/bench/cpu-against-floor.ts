import type { Result } from './wrk-measure.ts';

/** A target's rounds, in the order they ran. */
export interface Rounds {
  readonly name: string;
  readonly rounds: readonly Result[];
}

/*
 * On a shared 2-core machine CPU per request drifts by up to 2x over a minute (other tenants, the
 * host), far more than the differences measured here. Rounds interleave the targets (serpentine,
 * see runRounds), so each round compares a target with its baseline measured seconds apart; the
 * verdict is the median of those per-round ratios. Each side's best round (interference only ever
 * adds CPU time) is given beside it, as is every round.
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
  console.log('\nCPU per request against its baseline, same run:');
  for (const line of lines) console.log(line);
  console.log('every round, in order (µs per request):');
  for (const target of targets) {
    const values = target.rounds.map((r) => r.cpuMicrosPerRequest?.toFixed(1) ?? '-');
    console.log(`  ${target.name.padEnd(36)}${values.join(' ')}`);
  }
}

function comparison(target: Rounds, base: Rounds, limit: number, baseName: string): string {
  const perRound = target.rounds
    .map((round, i) => (round.cpuMicrosPerRequest ?? NaN) / (base.rounds[i]?.cpuMicrosPerRequest ?? NaN))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const ratio = perRound[Math.floor(perRound.length / 2)];
  const best = lowestCpu(target.rounds);
  const baseBest = lowestCpu(base.rounds);
  if (ratio === undefined || best === undefined || baseBest === undefined)
    return `${target.name}: no CPU figure`;
  const verdict = ratio <= limit ? 'meets' : 'misses';
  return (
    `${target.name}: ${ratio.toFixed(3)}x ${baseName} (median of ${perRound.length} per-round ratios, ` +
    `${perRound[0]?.toFixed(2)}-${perRound.at(-1)?.toFixed(2)}x), ${verdict} ≤ ${limit}x; ` +
    `best rounds ${best.toFixed(1)} and ${baseBest.toFixed(1)} µs (${(best / baseBest).toFixed(2)}x)`
  );
}

function lowestCpu(rounds: readonly Result[]): number | undefined {
  const values = rounds.map((r) => r.cpuMicrosPerRequest).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : Math.min(...values);
}
