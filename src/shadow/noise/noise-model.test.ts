import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { CapturedResponse } from '../captured-exchange.ts';
import { compareExchanges, type Difference } from '../compare/compare-exchanges.ts';
import { createNoiseModel } from './noise-model.ts';

let clock = Date.parse('2024-03-01T10:00:00Z');

/** Like the legacy API: a fresh traceId and server time on every call. */
function legacyResponse(scores: readonly number[]): CapturedResponse {
  clock += 137;
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(
      JSON.stringify({
        traceId: randomUUID(),
        ServerTime: new Date(clock).toISOString(),
        Items: scores.map((score, i) => ({ Id: i, Score: score })),
      }),
    ),
  };
}

/** The new handler with a deliberate bug: it rounds half-up where legacy keeps two decimals. */
function newResponse(scores: readonly number[]): CapturedResponse {
  return legacyResponse(scores.map((s) => Math.round(s)));
}

const ROUTE = 'athletes.list';

function diffs(a: CapturedResponse, b: CapturedResponse): readonly Difference[] {
  return compareExchanges(a, b).differences;
}

describe('noise model (Diffy-style legacy-vs-legacy baseline)', () => {
  it('learns traceId and timestamps as noise without rules while a rounding bug stays real', () => {
    const model = createNoiseModel();
    let last: { real: readonly Difference[]; noise: readonly Difference[] } | undefined;
    for (let request = 0; request < 40; request++) {
      const scores = [1.25, request % 2 === 0 ? 2.5 : 3, 4];
      const legacy = legacyResponse(scores);
      if (request % 4 === 0) model.observeNoise(ROUTE, diffs(legacy, legacyResponse(scores)));
      const raw = diffs(legacy, newResponse(scores));
      model.observeRaw(ROUTE, raw);
      last = model.classify(ROUTE, raw);
    }
    expect(last?.noise.map((d) => d.path).sort()).toEqual(['$.ServerTime', '$.traceId']);
    expect(last?.real.map((d) => d.path)).toEqual(['$.Items[0].Score']);
    expect(model.isNoise(ROUTE, '$.Items[*].Score')).toBe(false);
    expect(model.isNoise(ROUTE, '$.traceId')).toBe(true);
  });

  it('treats a field as real when new differs far more often than legacy differs from itself', () => {
    const model = createNoiseModel();
    const changed: Difference = { path: '$.Rank', kind: 'changed', legacy: 1, new: 2 };
    for (let i = 0; i < 100; i++) model.observeNoise(ROUTE, i < 5 ? [changed] : []);
    for (let i = 0; i < 100; i++) model.observeRaw(ROUTE, i < 60 ? [changed] : []);
    expect(model.classify(ROUTE, [changed]).real).toEqual([changed]);
  });

  it('keeps a field noise while its raw rate does not clearly exceed its noise rate', () => {
    const model = createNoiseModel();
    const changed: Difference = { path: '$.Etag', kind: 'changed', legacy: 'a', new: 'b' };
    for (let i = 0; i < 100; i++) model.observeNoise(ROUTE, i < 50 ? [changed] : []);
    // 55% vs 50%: relative difference 4.8% is under Diffy's 20% threshold.
    for (let i = 0; i < 100; i++) model.observeRaw(ROUTE, i < 55 ? [changed] : []);
    expect(model.classify(ROUTE, [changed])).toEqual({ real: [], noise: [changed] });
  });

  it('calls every difference real before any legacy-vs-legacy sample exists', () => {
    const model = createNoiseModel();
    const raw = diffs(legacyResponse([1]), legacyResponse([1]));
    model.observeRaw(ROUTE, raw);
    expect(model.classify(ROUTE, raw).real).toHaveLength(2);
  });

  it('keeps routes apart', () => {
    const model = createNoiseModel();
    const changed: Difference = { path: '$.traceId', kind: 'changed', legacy: 'a', new: 'b' };
    model.observeNoise('a', [changed]);
    model.observeRaw('a', [changed]);
    model.observeRaw('b', [changed]);
    expect(model.isNoise('a', '$.traceId')).toBe(true);
    expect(model.isNoise('b', '$.traceId')).toBe(false);
  });

  it('hands out only new counts as deltas, and a seeded model classifies like the original', () => {
    const model = createNoiseModel();
    const changed: Difference = { path: '$.Items[3].At', kind: 'changed', legacy: 'a', new: 'b' };
    model.observeNoise(ROUTE, [changed]);
    model.observeRaw(ROUTE, [changed]);
    const [first] = model.drainDeltas();
    expect(first).toEqual({
      routeId: ROUTE,
      rawTotal: 1,
      noiseTotal: 1,
      fields: [{ field: '$.Items[*].At', rawDifferences: 1, noiseDifferences: 1 }],
    });
    expect(model.drainDeltas()).toEqual([]);
    model.observeRaw(ROUTE, []);
    expect(model.drainDeltas()).toEqual([{ routeId: ROUTE, rawTotal: 1, noiseTotal: 0, fields: [] }]);

    const restored = createNoiseModel();
    const snapshot = model.snapshot(ROUTE);
    if (snapshot === undefined) throw new Error('no snapshot');
    restored.seed(snapshot);
    expect(restored.isNoise(ROUTE, '$.Items[*].At')).toBe(true);
    expect(restored.snapshot(ROUTE)).toEqual(snapshot);
  });

  it('stops tracking new fields past the per-route limit instead of growing without bound', () => {
    const model = createNoiseModel({ maxFieldsPerRoute: 3 });
    for (let i = 0; i < 10; i++) {
      model.observeNoise(ROUTE, [{ path: `$.f${i}`, kind: 'changed', legacy: 1, new: 2 }]);
    }
    expect(model.snapshot(ROUTE)?.fields).toHaveLength(3);
    // What goes to the store is what the model tracks, flush after flush.
    model.drainDeltas();
    for (let i = 10; i < 20; i++) {
      model.observeRaw(ROUTE, [{ path: `$.f${i}`, kind: 'changed', legacy: 1, new: 2 }]);
    }
    const [delta] = model.drainDeltas();
    expect(delta?.fields).toEqual([]);
    expect(delta?.rawTotal).toBe(10);
  });
});
