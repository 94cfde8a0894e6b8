import { jsonResponse } from '../handlers/new-handler.ts';
import type { RouteRecord } from './route.ts';
import { createRouteTable } from './route-table.ts';

/**
 * Micro-benchmark of RouteTable.match, which runs on every request on the public port. Run:
 * `node src/routing/measure-match-cost.ts`. Each case runs several rounds; the median is reported.
 */
export interface MatchCost {
  readonly label: string;
  readonly nanosPerMatch: number;
}

function tableOf(size: number) {
  const records: RouteRecord[] = [];
  for (let i = 0; i < size; i += 1) {
    records.push({
      id: `resource-${i}`,
      methods: ['GET', 'PUT'],
      path: i % 2 === 0 ? `/api/resource${i}/{id}` : `/api/resource${i}/{id}/items/{itemId}`,
      flag: `strangler.resource-${i}`,
      handler: async () => jsonResponse(200, {}),
      stickiness: { kind: 'client-address' },
    });
  }
  return createRouteTable(records);
}

function median(label: string, run: () => unknown, iterations = 200_000, rounds = 7): MatchCost {
  for (let i = 0; i < 20_000; i += 1) run();
  const perMatch: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i += 1) run();
    perMatch.push(Number(process.hrtime.bigint() - started) / iterations);
  }
  perMatch.sort((a, b) => a - b);
  return { label, nanosPerMatch: perMatch[Math.floor(perMatch.length / 2)] ?? Number.NaN };
}

export function measureMatchCost(): MatchCost[] {
  const results: MatchCost[] = [];
  for (const size of [10, 200]) {
    const table = tableOf(size);
    const last = size - 2;
    results.push(
      median(`${size} routes: unclaimed method (POST)`, () => table.match('POST', '/api/resource0/42')),
      median(`${size} routes: unclaimed segment count`, () => table.match('GET', '/legacy/only/a/b/c/d')),
      median(`${size} routes: unclaimed path, same shape`, () => table.match('GET', '/api/legacy-only/42')),
      median(`${size} routes: claimed, last declared, 1 param`, () =>
        table.match('GET', `/api/resource${last}/42`),
      ),
      median(`${size} routes: claimed, percent-encoded param`, () =>
        table.match('GET', '/api/resource0/J%C3%BCrgen'),
      ),
    );
  }
  return results;
}

if (import.meta.main) {
  for (const { label, nanosPerMatch } of measureMatchCost()) {
    process.stdout.write(`${label.padEnd(50)} ${nanosPerMatch.toFixed(0).padStart(7)} ns/match\n`);
  }
}
