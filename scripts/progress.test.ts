import { describe, expect, it } from '@jest/globals';

import { createProgress, progressLine } from './progress.ts';

/** A stream that keeps what was written, and a clock the test moves. */
function fakes(isTTY: boolean) {
  const writes: string[] = [];
  let clock = 1_000_000;
  return {
    writes,
    stream: { isTTY, write: (text: string) => writes.push(text) },
    now: () => clock,
    advance: (ms: number) => (clock += ms),
  };
}

describe('progress of a long operator run', () => {
  it('off a terminal: one line every few seconds with rows of the estimated total, rate and time left', () => {
    const f = fakes(false);
    const progress = createProgress({
      label: 'backfill athletes',
      total: 100_000_000,
      stream: f.stream,
      now: f.now,
      logEveryMs: 5000,
    });
    for (let second = 1; second <= 12; second += 1) {
      f.advance(1000);
      progress.add(50_000);
    }
    progress.done();

    expect(f.writes).toEqual([
      'backfill athletes: 250,000 of ~100,000,000 rows (0%), 50,000 rows/s, about 33 min 15 s left\n',
      'backfill athletes: 500,000 of ~100,000,000 rows (0%), 50,000 rows/s, about 33 min 10 s left\n',
      'backfill athletes: 600,000 of ~100,000,000 rows (0%), 50,000 rows/s, about 33 min 8 s left\n',
    ]);
  });

  it('on a terminal: one line rewritten in place, ended by a newline when done', () => {
    const f = fakes(true);
    const progress = createProgress({ label: 'reconcile squads', total: 400, stream: f.stream, now: f.now });
    f.advance(100);
    progress.add(100); // within the redraw interval: not drawn
    f.advance(400);
    progress.add(100);
    f.advance(500);
    progress.add(200);
    progress.done();

    expect(f.writes).toEqual([
      '\rreconcile squads: 200 of ~400 rows (50%), 400 rows/s, about 1 s left\x1b[K',
      '\rreconcile squads: 400 of ~400 rows (100%), 400 rows/s\x1b[K',
      '\rreconcile squads: 400 of ~400 rows (100%), 400 rows/s\x1b[K\n',
    ]);
  });

  it('a resumed run counts the rows of earlier runs as done, but not in its rate', () => {
    const f = fakes(false);
    const progress = createProgress({ label: 'backfill', total: 1000, stream: f.stream, now: f.now });
    progress.at(600);
    f.advance(2000);
    progress.at(800);
    progress.done();
    expect(f.writes).toEqual(['backfill: 800 of ~1,000 rows (80%), 100 rows/s, about 2 s left\n']);
  });

  it('without an estimate it counts rows and the rate only', () => {
    expect(progressLine('reconcile athletes', 1234, undefined, 2000)).toBe(
      'reconcile athletes: 1,234 rows, 617 rows/s',
    );
    expect(progressLine('x', 0, undefined, 0)).toBe('x: 0 rows');
    expect(progressLine('x', 3_600_000, 7_200_000, 3_600_000)).toBe(
      'x: 3,600,000 of ~7,200,000 rows (50%), 1,000 rows/s, about 1 h 0 min left',
    );
  });
});
