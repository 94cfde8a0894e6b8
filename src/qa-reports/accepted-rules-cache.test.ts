import { describe, expect, it } from '@jest/globals';
import { createSilentLogger } from '../observability/logger.ts';
import { createAcceptedRulesCache } from './accepted-rules-cache.ts';
import type { AcceptedRules } from './report-store.ts';

/** A store whose answer the test sets, or that fails like a database outage. */
function fakeStore() {
  const state: { rules: Map<string, AcceptedRules>; failing: boolean; calls: number } = {
    rules: new Map(),
    failing: false,
    calls: 0,
  };
  return {
    state,
    async loadAllAcceptedRules() {
      state.calls++;
      if (state.failing) throw new Error('connection refused');
      return new Map(state.rules);
    },
  };
}

const score: AcceptedRules = {
  differences: [{ path: '$.score', kind: 'changed' }],
  fingerprints: ['fp'],
};

describe('accepted rules cache', () => {
  it('answers synchronously with the rules of the last reload', async () => {
    const store = fakeStore();
    const cache = createAcceptedRulesCache({
      store,
      logger: createSilentLogger(),
      refreshIntervalMs: 60_000,
    });
    expect(cache.acceptedDifferences('athletes-get')).toBeUndefined();
    store.state.rules.set('athletes-get', score);
    await cache.refresh();
    expect(cache.acceptedDifferences('athletes-get')).toEqual(score);
    cache.stop();
  });

  it('keeps the last rules in force while the store is down', async () => {
    const store = fakeStore();
    store.state.rules.set('athletes-get', score);
    const cache = createAcceptedRulesCache({
      store,
      logger: createSilentLogger(),
      refreshIntervalMs: 60_000,
    });
    await cache.refresh();
    store.state.failing = true;
    await cache.refresh();
    expect(cache.acceptedDifferences('athletes-get')).toEqual(score);
    cache.stop();
  });

  it('a refresh asked for during a reload runs again so it sees the change', async () => {
    const store = fakeStore();
    const cache = createAcceptedRulesCache({
      store,
      logger: createSilentLogger(),
      refreshIntervalMs: 60_000,
    });
    // The initial reload is still running; a rule accepted now must not be missed.
    store.state.rules.set('athletes-get', score);
    await cache.refresh();
    expect(cache.acceptedDifferences('athletes-get')).toEqual(score);
    expect(store.state.calls).toBe(2);
    cache.stop();
  });
});
