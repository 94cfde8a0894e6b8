/**
 * Comparisons per second of ~1 KB JSON responses on one core (issue #4 §9: target ≥ 20k/s).
 * Usage: node scripts/bench-compare.ts [seconds=3]
 * Three cases: identical bodies (the byte-equal fast path), bodies equal after parsing (members in
 * another order), and bodies with one real difference under a typical set of route rules.
 */
import type { CapturedResponse } from '../src/shadow/captured-exchange.ts';
import { compareExchanges } from '../src/shadow/compare/compare-exchanges.ts';
import { compileCompareRules } from '../src/shadow/compare/compare-rules.ts';

const seconds = Number(process.argv[2] ?? 3);

function item(i: number, score: number) {
  return {
    Id: `0f8fad5b-d9cb-469f-a165-7086772895${String(i).padStart(2, '0')}`,
    Name: `Athlete ${i}`,
    Score: score,
    UpdatedAt: '2024-03-01T10:00:00.0000000Z',
  };
}

function document(score: number, reorder: boolean) {
  const items = Array.from({ length: 8 }, (_, i) => item(i, i === 3 ? score : i * 1.5));
  return {
    traceId: reorder ? 'b'.repeat(32) : 'a'.repeat(32),
    Total: 8,
    Items: reorder ? [...items].reverse().map((x) => ({ Score: x.Score, ...x })) : items,
  };
}

function response(value: unknown): CapturedResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: Buffer.from(JSON.stringify(value)),
  };
}

const rules = compileCompareRules({
  ignore: ['$..traceId'],
  arraysAsSets: [{ path: '$.Items', key: 'Id' }],
  numericTolerance: [{ path: '$.Items[*].Score', absolute: 0.001 }],
  guidCaseInsensitive: true,
  equivalentDates: ['$.Items[*].UpdatedAt'],
});

const legacy = response(document(4.5, false));
const cases: [string, CapturedResponse, CapturedResponse][] = [
  ['identical bytes', legacy, response(document(4.5, false))],
  ['equal after rules (reordered set, other traceId)', legacy, response(document(4.5, true))],
  ['one real difference', legacy, response(document(4.6, true))],
  // .NET writes decimals with their scale: every Score literal differs in text, not in value.
  [
    'literals 4.50 vs 4.5 (equal under the tolerance rule)',
    { ...legacy, body: Buffer.from(legacy.body.toString().replace(/"Score":(\d+)\.5\b/g, '"Score":$1.50')) },
    response(document(4.5, true)),
  ],
];

// The machine may be shared: the rate per CPU-second (user + system time of this process) is the
// figure for "one core"; the wall-clock rate is printed next to it.
console.log(`body size: ${legacy.body.length} bytes; ${seconds}s per case; node ${process.version}`);
for (const [name, a, b] of cases) {
  for (let i = 0; i < 2000; i++) compareExchanges(a, b, rules);
  let n = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const end = start + BigInt(seconds * 1e9);
  let now = start;
  while (now < end) {
    for (let i = 0; i < 500; i++) compareExchanges(a, b, rules);
    n += 500;
    now = process.hrtime.bigint();
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const wallSeconds = Number(now - start) / 1e9;
  const result = compareExchanges(a, b, rules);
  console.log(
    `${name.padEnd(50)} ${Math.round(n / cpuSeconds)
      .toString()
      .padStart(9)} /CPU-s ${Math.round(n / wallSeconds)
      .toString()
      .padStart(9)} /wall-s  (${result.differences.length} differences)`,
  );
}
