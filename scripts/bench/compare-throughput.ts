/**
 * `npm run bench:compare`: comparisons per second of ~1 KB JSON responses on one core, per case, and
 * how long a large body holds the event loop.
 */
import type { CapturedResponse } from '../../src/shadow/captured-exchange.ts';
import { compareExchanges } from '../../src/shadow/compare/compare-exchanges.ts';
import { compileCompareRules } from '../../src/shadow/compare/compare-rules.ts';
import { createComparer } from '../../src/shadow/compare/off-thread-comparer.ts';
import { quantile } from './quantile.ts';

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
    Items: reorder ? [...items].reverse().map((x) => Object.fromEntries(Object.entries(x).reverse())) : items,
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

interface Rates {
  readonly cpu: number;
  readonly wall: number;
}

/**
 * Calls per CPU-second and per wall-second of `work` and of `baseline`, measured in alternating slices
 * of 100 ms over `seconds` each, so a machine that speeds up or slows down mid-run (a shared virtual
 * machine does) moves both alike and their ratio stays put.
 */
function pairedRates(
  work: () => void,
  baseline: () => void,
  seconds: number,
): { work: Rates; baseline: Rates } {
  const totals = [
    { fn: work, n: 0, cpu: 0, wall: 0 },
    { fn: baseline, n: 0, cpu: 0, wall: 0 },
  ];
  for (const t of totals) for (let i = 0; i < 2000; i++) t.fn();
  const slices = Math.max(1, Math.round(seconds * 10));
  for (let slice = 0; slice < slices; slice++) {
    for (const t of totals) {
      const cpuStart = process.cpuUsage();
      const start = process.hrtime.bigint();
      const end = start + 100_000_000n;
      let now = start;
      while (now < end) {
        for (let i = 0; i < 100; i++) t.fn();
        t.n += 100;
        now = process.hrtime.bigint();
      }
      const cpu = process.cpuUsage(cpuStart);
      t.cpu += (cpu.user + cpu.system) / 1e6;
      t.wall += Number(now - start) / 1e9;
    }
  }
  const [w, b] = totals as [(typeof totals)[0], (typeof totals)[0]];
  return {
    work: { cpu: w.n / w.cpu, wall: w.n / w.wall },
    baseline: { cpu: b.n / b.cpu, wall: b.n / b.wall },
  };
}

/** Comparisons per second of each case, `seconds` per case, then what a large body blocks. */
export async function compareBench(seconds: number): Promise<void> {
  // The machine may be shared: the rate per CPU-second (user + system time of this process) is the
  // figure for "one core"; the wall-clock rate is printed next to it. The baseline, interleaved with
  // each case, is the least any structural comparison does: JSON.parse of both bodies. The ratio holds
  // up across machines and their moods far better than the absolute rate does.
  console.log(`body size: ${legacy.body.length} bytes; ${seconds}s per case; node ${process.version}`);
  console.log('baseline: JSON.parse of both bodies, nothing else, interleaved with each case');
  for (const [name, a, b] of cases) {
    const { work, baseline } = pairedRates(
      () => compareExchanges(a, b, rules),
      () => {
        JSON.parse(a.body.toString('utf8'));
        JSON.parse(b.body.toString('utf8'));
      },
      seconds,
    );
    console.log(
      `${name.padEnd(54)} ${Math.round(work.cpu).toString().padStart(9)} /CPU-s ${Math.round(work.wall)
        .toString()
        .padStart(9)} /wall-s  ${(work.cpu / baseline.cpu).toFixed(2).padStart(6)}× baseline (${Math.round(
        baseline.cpu,
      )} /CPU-s)  (${compareExchanges(a, b, rules).differences.length} differences)`,
    );
  }
  await largeBodyBlocking();
}

/**
 * How long one comparison near the capture limit holds up the event loop clients share: inline (the
 * whole comparison) against on the comparison worker (the longest gap a 1 ms timer sees meanwhile).
 */
async function largeBodyBlocking(): Promise<void> {
  const big = (score: number) =>
    response({
      traceId: String(score),
      Items: Array.from({ length: 4000 }, (_, i) => item(i, i === 7 ? score : i * 1.5)),
    });
  const [a, b] = [big(4.5), big(4.6)];
  const label = `${Math.round((a.body.length + b.body.length) / 1024)} KiB of bodies`;
  const inline: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    compareExchanges(a, b, rules);
    inline.push(performance.now() - started);
  }
  const comparer = createComparer();
  // The longest gap a 1 ms timer sees while `wait` runs; with nothing to wait for, the machine's own
  // timer lateness (a few ms on a busy virtual machine), against which the worker's gap is read.
  const longestGap = async (wait: () => Promise<unknown>): Promise<number> => {
    let last = performance.now();
    let longest = 0;
    const probe = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 1);
    await wait();
    clearInterval(probe);
    return longest;
  };
  const gaps: number[] = [];
  const idleGaps: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    gaps.push(await longestGap(() => comparer.compare(a, b, rules)));
    const took = performance.now() - started;
    idleGaps.push(await longestGap(() => new Promise((resolve) => setTimeout(resolve, took))));
  }
  await comparer.close();
  const median = (xs: number[]) =>
    quantile(
      [...xs].sort((x, y) => x - y),
      0.5,
    );
  console.log(
    `${label}: inline the event loop is blocked ${median(inline).toFixed(1)} ms per comparison; ` +
      `on the comparison worker its longest gap is ${median(gaps).toFixed(1)} ms, ` +
      `${median(idleGaps).toFixed(1)} ms while idle as long (medians of 5)`,
  );
}

/** A shadow store that keeps nothing, for runs without DATABASE_URL. */
