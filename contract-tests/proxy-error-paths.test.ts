import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import type { Kysely } from 'kysely';
import nock from 'nock';

import { openNewDatabase } from '../adapters/database.ts';
import { migrateNewToLatest } from '../adapters/migrations.ts';
import type { NewDatabase } from '../adapters/schema.ts';
import { createRoutes } from '../routes/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createMetrics, type Metrics } from '../src/observability/metrics.ts';
import { LEGACY_ENGINES, type LegacyEngine } from '../src/proxy/legacy-forwarder.ts';
import { createTokenVerifier, type TokenVerifier } from '../src/identity/token-verifier.ts';
import { startTestIssuer, type TestIssuer } from '../src/identity/testing/test-issuer.ts';
import { createPublicServer, type PublicServer } from '../src/proxy/public-server.ts';
import { metricValue, request } from '../src/proxy/proxy-test-harness.ts';
import { createRouteTable } from '../src/routing/route-table.ts';
import { compareExchanges } from '../src/shadow/compare/compare-exchanges.ts';
import type { CompareRules } from '../src/shadow/compare/compare-rules.ts';
import { createFakeFlagResolver, type FakeFlagResolver } from '../src/testing/fake-flag-resolver.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/test-database.ts';
import { ATHLETES, SQUADS, seedNew } from './contract-data.ts';
import { loadFixtures, responseBodyOf } from './contract-fixture.ts';
import { CONTRACT_CALLER } from './replay-fixture.ts';

/*
 * The athlete routes behind the real public server, with nock as legacy for what a real legacy cannot
 * easily be made to do (reset a connection, hang, be unreachable), and a new side whose database is
 * down for the handler failures. What a client must see in each case is the legacy's answer or an
 * honest gateway error, never a half-migrated one. As in a deployment, the proxy verifies the callers'
 * tokens against an issuer, and the client calls as the contract data's organisation.
 */

const LEGACY = 'http://legacy.athletes.test';
const athlete = ATHLETES[0];
const existing = loadFixtures().find((f) => f.route === 'athletes-get' && f.name === 'existing');
if (existing === undefined) throw new Error('fixture athletes-get/existing is missing');
const recorded = existing.steps[0]!.response;

let database: TestDatabase;
let db: Kysely<NewDatabase>;
/** Nothing listens on port 1: every query of a handler built on it fails like a database outage. */
let downDb: Kysely<NewDatabase>;
let flags: FakeFlagResolver;
let metrics: Metrics;
let issuer: TestIssuer;
let verifier: TokenVerifier;
/** `Bearer <token>` of CONTRACT_CALLER: the contract organisation, every scope and role its routes ask for. */
let authorization: string;
/** Per forwarding engine: a proxy whose routes use the test database, and one whose database is down. */
const proxies = new Map<LegacyEngine, { up: [PublicServer, URL]; down: [PublicServer, URL] }>();

async function start(
  routesDb: Kysely<NewDatabase>,
  engine: LegacyEngine,
  own: { readonly metrics?: Metrics; readonly unsafeFallbackToLegacy?: boolean } = {},
): Promise<[PublicServer, URL]> {
  const routes = createRoutes({ db: routesDb }).map((route) =>
    own.unsafeFallbackToLegacy === undefined
      ? route
      : { ...route, unsafeFallbackToLegacy: own.unsafeFallbackToLegacy },
  );
  const server = createPublicServer({
    config: { legacyUrl: new URL(LEGACY), legacyTimeoutMs: 500, hostHeader: 'rewrite' },
    legacyEngine: engine,
    routes: createRouteTable(routes),
    flags,
    metrics: own.metrics ?? metrics,
    verifier,
    logger: createSilentLogger(),
    shutdownGraceMs: 200,
  });
  await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return [server, new URL(`http://127.0.0.1:${address.port}`)];
}

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  database = await createTestDatabase('contract_proxy');
  db = openNewDatabase(database.url, { poolMax: 2 });
  await migrateNewToLatest(db);
  downDb = openNewDatabase('postgres://postgres@127.0.0.1:1/unreachable', { poolMax: 1 });
  flags = createFakeFlagResolver();
  metrics = createMetrics({ defaultMetrics: false });
  issuer = await startTestIssuer();
  verifier = createTokenVerifier(issuer.auth);
  authorization = await issuer.authorizationOf(CONTRACT_CALLER);
  for (const engine of LEGACY_ENGINES) {
    proxies.set(engine, { up: await start(db, engine), down: await start(downDb, engine) });
  }
});

afterAll(async () => {
  for (const { up, down } of proxies.values()) {
    await up[0].close();
    await down[0].close();
  }
  await db.destroy();
  await downDb.destroy();
  await database.drop();
  await issuer.stop();
  nock.cleanAll();
  nock.enableNetConnect();
  // The interceptor patches node:net and node:http for the whole worker process, which runs other
  // suites after this one: switch it off (see src/smoke.test.ts).
  nock.restore();
});

beforeEach(async () => {
  await seedNew(db);
});

afterEach(() => {
  nock.cleanAll();
  for (const flag of [
    'strangler.athletes-get',
    'strangler.athletes-create',
    'strangler.squad-athletes-list',
  ]) {
    flags.set(flag, 'legacy');
  }
});

const newAthlete = {
  SquadId: SQUADS[0].id,
  FirstName: 'Ada',
  LastName: 'Holm',
  Email: 'ada.holm@example.test',
  DateOfBirth: '2004-03-09',
};

function postAthlete(url: URL, body: Record<string, string>) {
  return request(url, {
    method: 'POST',
    path: '/api/athletes',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify(body),
  });
}

function legacyReplyingRecorded() {
  return nock(LEGACY)
    .get(`/api/athletes/${athlete.id}`)
    .reply(recorded.status, responseBodyOf(recorded), { ...recorded.headers });
}

describe.each(LEGACY_ENGINES)(
  'athlete routes behind the proxy, legacy stubbed with nock (%s engine)',
  (engine) => {
    let proxyUrl: URL;
    let proxyWithDownDbUrl: URL;
    beforeAll(() => {
      const started = proxies.get(engine);
      if (started === undefined) throw new Error(`no proxy for ${engine}`);
      [, proxyUrl] = started.up;
      [, proxyWithDownDbUrl] = started.down;
    });

    test('in new mode the proxy serves the new handler, and it equals the recorded legacy answer', async () => {
      flags.set('strangler.athletes-get', 'new');
      const scope = nock(LEGACY).get(/.*/).reply(500, 'legacy must not be called');
      const r = await request(proxyUrl, {
        path: `/api/athletes/${athlete.id}`,
        headers: { 'x-tenant-id': 't1', authorization },
      });
      const result = compareExchanges(
        { status: recorded.status, headers: recorded.headers, body: responseBodyOf(recorded) },
        { status: r.status, headers: r.headers, body: r.body },
        createRoutes({ db }).find((x) => x.id === 'athletes-get')?.shadow?.compare as CompareRules,
      );
      expect(result.differences).toEqual([]);
      expect(scope.isDone()).toBe(false);
    });

    test('a new GET handler whose database is down falls back to legacy, and the client sees legacy', async () => {
      flags.set('strangler.athletes-get', 'new');
      const scope = legacyReplyingRecorded();
      const before = await metricValue(metrics, 'strangler_fallbacks_total', { route: 'athletes-get' });
      const r = await request(proxyWithDownDbUrl, {
        path: `/api/athletes/${athlete.id}`,
        headers: { authorization },
      });
      expect(r.status).toBe(200);
      expect(r.body.equals(responseBodyOf(recorded))).toBe(true);
      expect(scope.isDone()).toBe(true);
      expect(await metricValue(metrics, 'strangler_fallbacks_total', { route: 'athletes-get' })).toBe(
        before + 1,
      );
    });

    test('a new POST handler whose database is down is a 503 with Retry-After, never sent to legacy', async () => {
      flags.set('strangler.athletes-create', 'new');
      const scope = nock(LEGACY).post('/api/athletes').reply(201, '{}');
      const r = await postAthlete(proxyWithDownDbUrl, newAthlete);
      expect(r.status).toBe(503);
      expect(r.headers['content-type']).toBe('application/problem+json');
      expect(r.headers['retry-after']).toBe('1');
      expect(scope.isDone()).toBe(false);
    });

    test('writes with a NUL PostgreSQL cannot store are 400s naming the field; the route stays on the new side', async () => {
      flags.set('strangler.athletes-create', 'new');
      const scope = nock(LEGACY).post('/api/athletes').reply(201, '{}');
      // One more than the breaker's threshold (5): each used to be a 500 that counted towards it.
      for (let i = 0; i < 6; i += 1) {
        const r = await postAthlete(proxyUrl, { ...newAthlete, FirstName: `Ada\u0000${i}` });
        expect(r.status).toBe(400);
        const problem = JSON.parse(r.body.toString()) as { errors: Record<string, string[]> };
        expect(problem.errors).toEqual({
          FirstName: ['The field FirstName must not contain the character U+0000.'],
        });
      }
      expect(await metricValue(metrics, 'strangler_circuit_open', { route: 'athletes-create' })).toBe(0);
      const stored = await postAthlete(proxyUrl, newAthlete);
      expect(stored.status).toBe(201);
      expect(scope.isDone()).toBe(false);
    });

    test('writes while the database stays down: 503 until the probe once the circuit opens; legacy only where the route opts in', async () => {
      flags.set('strangler.athletes-create', 'new');
      const own = createMetrics({ defaultMetrics: false });
      const [strict, strictUrl] = await start(downDb, engine, { metrics: own });
      const [lenient, lenientUrl] = await start(downDb, engine, {
        metrics: createMetrics({ defaultMetrics: false }),
        unsafeFallbackToLegacy: true,
      });
      try {
        const retryAfter: (string | undefined)[] = [];
        for (let i = 0; i < 6; i += 1) {
          const r = await postAthlete(strictUrl, newAthlete);
          expect(r.status).toBe(503);
          retryAfter.push(r.headers['retry-after'] as string | undefined);
        }
        // Four failures leave the breaker closed; the fifth opens it for 30 s, the sixth never ran.
        expect(retryAfter).toEqual(['1', '1', '1', '1', '30', '30']);
        expect(await metricValue(own, 'strangler_circuit_open', { route: 'athletes-create' })).toBe(1);

        const scope = nock(LEGACY).post('/api/athletes').reply(201, '{"side":"legacy"}');
        const r = await postAthlete(lenientUrl, newAthlete);
        expect(r.status).toBe(201);
        expect(scope.isDone()).toBe(true);
      } finally {
        await strict.close();
        await lenient.close();
      }
    });

    test("legacy's own error answers pass through a migrated route in legacy mode untouched", async () => {
      const page = '<html><body>Service Unavailable</body></html>';
      nock(LEGACY)
        .get(`/api/athletes/${athlete.id}`)
        .reply(503, page, { 'Content-Type': 'text/html', 'Retry-After': '30' });
      const r = await request(proxyUrl, { path: `/api/athletes/${athlete.id}` });
      expect(r.status).toBe(503);
      expect(r.headers['retry-after']).toBe('30');
      expect(r.body.toString()).toBe(page);
    });

    test('when the new handler fails and legacy fails too, the client gets legacy’s failure, not an invented one', async () => {
      flags.set('strangler.athletes-get', 'new');
      nock(LEGACY).get(`/api/athletes/${athlete.id}`).reply(500, '{"title":"legacy broke"}', {
        'Content-Type': 'application/problem+json; charset=utf-8',
      });
      const r = await request(proxyWithDownDbUrl, {
        path: `/api/athletes/${athlete.id}`,
        headers: { authorization },
      });
      expect(r.status).toBe(500);
      expect(r.body.toString()).toBe('{"title":"legacy broke"}');
    });

    // Not with undici: nock's stand-in socket (@mswjs/interceptors) still delivers the delayed reply
    // after undici destroyed the socket of the request it aborted, which trips an assertion inside
    // undici, outside any test. A real socket delivers nothing after that; the undici engine's stall
    // mid-body is tested against a real server in src/proxy/undici-timeout.test.ts.
    (engine === 'undici' ? test.skip : test)(
      'legacy going quiet mid-response for longer than the timeout cuts the client off instead of hanging',
      async () => {
        // nock sends the status line at once and holds the body: the proxy has already streamed 200, so
        // the only honest signal left is a broken connection (the route timeout is 500 ms here).
        nock(LEGACY).get(`/api/athletes/${athlete.id}`).delay(3000).reply(200, '{}');
        const started = Date.now();
        await expect(request(proxyUrl, { path: `/api/athletes/${athlete.id}` })).rejects.toThrow();
        expect(Date.now() - started).toBeLessThan(2500);
      },
    );

    test('the availability report is not migrated: it reaches legacy byte for byte even with every flag on new', async () => {
      for (const route of createRoutes({ db })) flags.set(route.flag, 'new');
      const report = '{"SquadId":"x","Athletes":[],"AsOf":"2026-11-21T00:00:00"}';
      const scope = nock(LEGACY)
        .get('/api/reports/availability')
        .query({ squadId: SQUADS[0].id })
        .reply(200, report, { 'Content-Type': 'application/json; charset=utf-8' });
      const r = await request(proxyUrl, { path: `/api/reports/availability?squadId=${SQUADS[0].id}` });
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe(report);
      expect(scope.isDone()).toBe(true);
      for (const route of createRoutes({ db })) flags.set(route.flag, 'legacy');
    });
  },
);
