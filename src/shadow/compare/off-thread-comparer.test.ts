import { afterEach, describe, expect, it } from '@jest/globals';
import type { CapturedResponse } from '../captured-exchange.ts';
import { compareExchanges } from './compare-exchanges.ts';
import { compileCompareRules } from './compare-rules.ts';
import { createComparer, type Comparer } from './off-thread-comparer.ts';

const rules = compileCompareRules({
  ignore: ['$..traceId'],
  arraysAsSets: [{ path: '$.Items', key: 'Id' }],
  dateTolerance: [{ path: '$.Items[*].At', nanoseconds: 500 }],
});

function document(count: number, score: number): CapturedResponse {
  const items = Array.from({ length: count }, (_, i) => ({
    Id: `0f8fad5b-d9cb-469f-a165-${String(i).padStart(12, '0')}`,
    Score: i === 7 ? score : i * 1.5,
    At: '2026-11-22T10:00:00.1234567',
  }));
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: Buffer.from(JSON.stringify({ traceId: String(score), Items: items })),
  };
}

let comparer: Comparer | undefined;
afterEach(async () => {
  await comparer?.close();
  comparer = undefined;
});

describe('off-thread comparer', () => {
  it('compares small bodies inline and large ones on the worker, with the same result', async () => {
    comparer = createComparer({ offThreadBytes: 16 * 1024 });
    const small = await comparer.compare(document(10, 1), document(10, 2), rules);
    expect(comparer.offThreadCount).toBe(0);
    expect(small).toEqual(compareExchanges(document(10, 1), document(10, 2), rules));

    const [legacy, candidate] = [document(2000, 1), document(2000, 2)];
    expect(legacy.body.length + candidate.body.length).toBeGreaterThan(16 * 1024);
    const large = await comparer.compare(legacy, candidate, rules);
    expect(comparer.offThreadCount).toBe(1);
    expect(large).toEqual(compareExchanges(legacy, candidate, rules));
    expect(large.differences).toEqual([
      {
        path: '$.Items[Id=0f8fad5b-d9cb-469f-a165-000000000007].Score',
        kind: 'changed',
        legacy: 1,
        new: 2,
      },
    ]);
  });

  it('leaves the event loop free while a large comparison runs', async () => {
    comparer = createComparer({ offThreadBytes: 16 * 1024 });
    const events: string[] = [];
    const comparing = comparer
      .compare(document(5000, 1), document(5000, 2), rules)
      .then(() => events.push('compared'));
    // On the event loop the comparison would finish first; on the worker, the loop turns meanwhile.
    await new Promise((resolve) => setImmediate(resolve));
    events.push('event loop turned');
    await comparing;
    expect(events).toEqual(['event loop turned', 'compared']);
  });

  it('fails comparisons still waiting when closed, then compares inline', async () => {
    comparer = createComparer({ offThreadBytes: 1024 });
    const waiting = expect(comparer.compare(document(5000, 1), document(5000, 2), rules)).rejects.toThrow(
      'comparer closed',
    );
    await comparer.close();
    await waiting;
    const after = await comparer.compare(document(100, 1), document(100, 1), rules);
    expect(after.equal).toBe(true);
    expect(comparer.offThreadCount).toBe(1);
  });
});
