import { describe, expect, it } from '@jest/globals';
import { createSilentLogger } from '../observability/logger.ts';
import { createAcceptedDifferencesCache } from './accepted-differences-cache.ts';

describe('accepted differences cache', () => {
  it('serves the last successful load while later loads fail', async () => {
    let fail = false;
    let version = 0;
    const cache = createAcceptedDifferencesCache({
      routeIds: ['a'],
      logger: createSilentLogger(),
      load: async () => {
        if (fail) throw new Error('store down');
        version += 1;
        return { ignoredPaths: [`$.v${version}`], fingerprints: [] };
      },
    });
    try {
      expect(cache.get('a')).toBeUndefined();
      await cache.refresh();
      expect(cache.get('a')?.ignoredPaths).toEqual(['$.v1']);
      fail = true;
      await cache.refresh();
      expect(cache.get('a')?.ignoredPaths).toEqual(['$.v1']);
      fail = false;
      await cache.refresh();
      expect(cache.get('a')?.ignoredPaths).toEqual(['$.v2']);
    } finally {
      cache.stop();
    }
  });
});
