import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql, type Kysely } from 'kysely';
import { ATHLETE_WITH_ENTRIES } from '../../contract-tests/contract-data.ts';
import { createRoutes } from '../../routes/index.ts';
import type { HandlerResponse, NewHandler } from '../handlers/new-handler.ts';
import { createTokenVerifier } from '../identity/token-verifier.ts';
import { createSilentLogger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { request, startProxy, type Proxy } from '../proxy/proxy-test-harness.ts';
import type { RouteRecord } from '../routing/route.ts';
import { createRouteTable } from '../routing/route-table.ts';
import { createFakeFlagResolver } from '../testing/fake-flag-resolver.ts';
import type { CompareRules } from './compare/compare-rules.ts';
import { startShadow, type Shadow } from './start-shadow.ts';
import { startStandInFixture, type StandInFixture } from './testing/stand-in-fixture.ts';

/*
 * A real mismatch found end to end: the legacy stand-in and the real wellness-list handler behind the
 * public server, with the handler deliberately altered to round the score half-up where the legacy
 * rounds half to even (3.85 → 3.9 instead of 3.8), and the route's rules stripped of their hand-written
 * `traceId` ignore.
 */

let fixture: StandInFixture;
let proxyDb: Kysely<unknown>;
let proxy: Proxy;
let shadow: Shadow;

const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** Rounds the weighted answers half-up, as a careless port of Math.Round would. */
function halfUp(handler: NewHandler): NewHandler {
  return async (req) => {
    const response: HandlerResponse = await handler(req);
    if (response.status !== 200 || response.body === undefined) return response;
    const entries = JSON.parse(response.body.toString(), (_k, v: unknown, context?: { source?: string }) =>
      typeof v === 'number' && context?.source !== undefined ? rawJson(context.source) : v,
    ) as Record<string, unknown>[];
    for (const e of entries) {
      const [sleep, soreness, fatigue, stress, mood] = ['Sleep', 'Soreness', 'Fatigue', 'Stress', 'Mood'].map(
        (k) => Number(String(JSON.stringify(e[k]))),
      ) as [number, number, number, number, number];
      const hundredths =
        30 * sleep + 20 * (6 - soreness) + 20 * (6 - fatigue) + 15 * (6 - stress) + 15 * mood;
      e.Score = rawJson((Math.floor((hundredths + 5) / 10) / 10).toFixed(1));
    }
    return { ...response, body: Buffer.from(JSON.stringify(entries)) };
  };
}

beforeAll(async () => {
  fixture = await startStandInFixture('shadow_e2e');
  proxyDb = fixture.proxyDb;
  const { legacyUrl, newDb } = fixture;

  const routes: RouteRecord[] = createRoutes({ db: newDb }).map((route) => {
    if (route.id !== 'wellness-list' || route.shadow === undefined) return route;
    const { ignore: _ignore, ...rules } = route.shadow.compare as CompareRules;
    return { ...route, handler: halfUp(route.handler), shadow: { ...route.shadow, compare: rules } };
  });
  const metrics = createMetrics({ defaultMetrics: false });
  const logger = createSilentLogger();
  shadow = await startShadow({
    db: proxyDb,
    legacyUrl,
    hostHeader: 'rewrite',
    auth: fixture.auth,
    metrics,
    logger,
  });
  proxy = await startProxy({
    legacyUrl,
    flags: createFakeFlagResolver({ 'strangler.wellness-list': 'shadow' }),
    extra: {
      routes: createRouteTable(routes),
      observer: shadow.observer,
      // The proxy verifies callers against the same issuer: without one it keeps the route on legacy.
      verifier: createTokenVerifier(fixture.auth),
      metrics,
      logger,
    },
  });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await shadow?.close();
  await fixture?.close();
});

describe('shadow comparison against the legacy stand-in', () => {
  it('finds exactly the half-up rounding as one diff group and learns the 404 traceId as noise', async () => {
    const headers = { 'x-tenant-id': 'tenant-shadow', authorization: fixture.authorization };
    const unknownAthlete = '00000000-0000-4000-8000-000000000001';
    for (let i = 0; i < 3; i++) {
      const list = await request(proxy.url, {
        path: `/api/athletes/${ATHLETE_WITH_ENTRIES}/wellness`,
        headers,
      });
      expect(list.status).toBe(200);
      // Clients still get the legacy's half-to-even score, with its decimal scale.
      expect(list.body.toString()).toContain('"Score":3.8,');
      const missing = await request(proxy.url, { path: `/api/athletes/${unknownAthlete}/wellness`, headers });
      expect(missing.status).toBe(404);
    }
    await shadow.close();

    const counts = await sql<Record<string, number>>`
      SELECT sum(match)::int AS match, sum(mismatch)::int AS mismatch, sum(noise)::int AS noise,
             sum(error)::int AS error, sum(skipped)::int AS skipped
      FROM strangler.shadow_minute WHERE route_id = 'wellness-list'`.execute(proxyDb);
    expect(counts.rows[0]).toEqual({ match: 0, mismatch: 3, noise: 3, error: 0, skipped: 0 });
    const groups = await sql<{ paths: unknown; count: string }>`
      SELECT paths, count FROM strangler.shadow_group WHERE route_id = 'wellness-list'`.execute(proxyDb);
    expect(groups.rows).toEqual([{ paths: [{ path: '$[*].Score', kind: 'changed' }], count: '3' }]);
    const samples = await sql<{ diffs: unknown }>`SELECT diffs FROM strangler.shadow_sample`.execute(proxyDb);
    expect(samples.rows[0]?.diffs).toEqual([{ path: '$[0].Score', kind: 'changed', legacy: 3.8, new: 3.9 }]);
    const noise = await sql<{ field: string }>`
      SELECT field FROM strangler.shadow_noise_field
      WHERE route_id = 'wellness-list' AND noise_differences > 0`.execute(proxyDb);
    expect(noise.rows.map((r) => r.field)).toEqual(['$.traceId']);
  });
});
