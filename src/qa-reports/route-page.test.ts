import { describe, expect, it } from '@jest/globals';

import type { RouteStats } from './report-store.ts';
import { routeFigures } from './route-figures.ts';
import { routePage } from './route-page.ts';

const stats = (notCompared: RouteStats['notCompared']): RouteStats => ({
  routeId: 'athletes-get',
  ...routeFigures({
    match: 6,
    mismatch: 1,
    noise: 0,
    error: 2,
    skipped: 3,
    dropped: 0,
    unsampled: 0,
    accepted: 0,
  }),
  latency: { legacyP50Ms: 4, legacyP99Ms: 9, newP50Ms: 3, newP99Ms: 8 },
  openGroups: 1,
  defectGroups: 0,
  notCompared,
});

const page = (routeStats: RouteStats): string =>
  routePage(
    {
      routeId: 'athletes-get',
      methods: ['GET'],
      path: '/api/athletes/{id}',
      mode: 'shadow',
      stats: routeStats,
      series: [],
      groups: [],
      rules: [],
      status: undefined,
    },
    { key: '24h', window: { from: new Date('2026-11-20T12:00:00Z'), to: new Date('2026-11-21T12:00:00Z') } },
    { actor: 'qa', role: 'qa', csrf: 'token' },
  );

describe('route page', () => {
  it('says why comparisons were skipped or failed, by reason', () => {
    const html = page(
      stats([
        { outcome: 'skipped', reason: 'capture-limit', count: 3 },
        { outcome: 'error', reason: 'timeout', count: 2 },
      ]),
    );
    expect(html).toContain('Not compared:');
    expect(html).toMatch(/data-reason="capture-limit"\s*>3 skipped \(<code>capture-limit<\/code>\)/);
    expect(html).toMatch(/data-reason="timeout"\s*>2 error \(<code>timeout<\/code>\)/);
  });

  it('leaves the line out when every comparison completed', () => {
    expect(page(stats([]))).not.toContain('Not compared');
  });

  it('escapes a reason read from the database', () => {
    const html = page(stats([{ outcome: 'skipped', reason: '<script>x</script>', count: 1 }]));
    expect(html).not.toContain('<script>x');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
  });
});
