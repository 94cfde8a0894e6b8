import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openTestKysely } from './testing/open-test-kysely.ts';
import { Kysely, sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import { jsonResponse, type NewHandler } from '../handlers/new-handler.ts';
import { createSilentLogger } from '../observability/logger.ts';
import { createMetrics, type Metrics } from '../observability/metrics.ts';
import {
  metricValue,
  startProxy,
  startUpstream,
  type Proxy,
  type Upstream,
  request,
} from '../proxy/proxy-test-harness.ts';
import type { RouteRecord, ShadowSettings } from '../routing/route.ts';
import { createFakeFlagResolver, type FakeFlagResolver } from '../testing/fake-flag-resolver.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { createLegacyCaller, type LegacyCaller } from './legacy-caller.ts';
import { createComparer, type Comparer } from './compare/off-thread-comparer.ts';
import { createNoiseModel } from './noise/noise-model.ts';
import { createRedactor, REDACTED } from './redact.ts';
import {
  createShadowRunner,
  shadowRuleProblems,
  type AcceptedDifferences,
  type ShadowRunner,
} from './shadow-runner.ts';
import { fingerprintOf } from './compare/fingerprint.ts';
import { createPostgresShadowStore } from './store/postgres-shadow-store.ts';
import { migrateShadowStoreToLatest } from './store/shadow-migrations.ts';
import { createShadowWriter, type ShadowWriter } from './store/shadow-writer.ts';
import { createPostgresReportStore } from '../qa-reports/postgres-report-store.ts';
import { routePage } from '../qa-reports/route-page.ts';

/** The route page's frame around the stats under test. */
const hangReport = {
  routeId: 'hang-report',
  methods: ['GET'],
  path: '/api/hang-report/{id}',
  mode: 'shadow',
  series: [],
  groups: [],
  rules: [],
};

/*
 * The runner behind the real public server (its exchange observer hook), a real node:http legacy and
 * real PostgreSQL for the store and for a new handler's dry-run writes.
 */

let database: TestDatabase;
let db: Kysely<unknown>;
let legacy: Upstream;
let legacyCaller: LegacyCaller;
const logger = createSilentLogger();
const legacyCalls: { method: string; path: string }[] = [];
let legacyClock = Date.parse('2026-03-01T10:00:00Z');

/** Legacy keeps Score with banker's rounding (2.345 → 2.34); ids with odd numbers have exact scores. */
function legacyScore(id: number): number {
  return id % 2 === 0 ? 2.34 : 1.5;
}

function legacyHandler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const path = req.url ?? '/';
    legacyCalls.push({ method: req.method ?? '', path });
    legacyClock += 1000;
    if (req.method === 'POST') {
      const input = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { Name?: string };
      res.writeHead(201, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ Id: 1, Name: input.Name }));
      return;
    }
    const id = Number(path.split('/').at(-1)?.split('?')[0]);
    const payload = JSON.stringify({
      traceId: randomUUID(),
      ServerTime: new Date(legacyClock).toISOString(),
      Id: id,
      Score: legacyScore(id),
      Padding: path.startsWith('/api/big/') ? 'x'.repeat(5000) : '',
    });
    if (String(req.headers['accept-encoding'] ?? '').includes('gzip')) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(payload));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(payload);
  });
}

let newClock = Date.parse('2026-03-01T10:00:00Z');

/** The new implementation with a deliberate bug: it rounds half-up (2.345 → 2.35). */
const itemHandler: NewHandler = async (req) => {
  const id = Number(req.params.id);
  newClock += 777;
  return jsonResponse(200, {
    traceId: randomUUID(),
    ServerTime: new Date(newClock).toISOString(),
    Id: id,
    Score: id % 2 === 0 ? 2.35 : 1.5,
    Padding: req.path.startsWith('/api/big/') ? 'x'.repeat(5000) : '',
  });
};

const dryRunSeen: boolean[] = [];

/** Writes a row in a transaction that dry-run rolls back, as handlers do (new-handler.ts, `dryRun`). */
const createHandler: NewHandler = async (req) => {
  dryRunSeen.push(req.dryRun);
  const input = JSON.parse(req.body.toString()) as { Name: string };
  let id = 0;
  try {
    await db.transaction().execute(async (trx) => {
      const row = await sql<{
        id: number;
      }>`INSERT INTO shadow_test_items (name) VALUES (${input.Name}) RETURNING id`.execute(trx);
      id = row.rows[0]?.id ?? 0;
      if (req.dryRun) throw new DryRunRollback();
    });
  } catch (error: unknown) {
    if (!(error instanceof DryRunRollback)) throw error;
  }
  return jsonResponse(201, { Id: id === 0 ? 1 : id, Name: input.Name });
};

class DryRunRollback extends Error {}

const hangingHandler: NewHandler = () => new Promise(() => undefined);
/** A handler that ignores its abort signal and answers only once released (a stalled database). */
const stall = {
  outstanding: 0,
  maxOutstanding: 0,
  waiting: [] as (() => void)[],
  released: false,
  release(): void {
    this.released = true;
    for (const resolve of this.waiting.splice(0)) resolve();
  },
};
const stallingHandler: NewHandler = async () => {
  stall.outstanding += 1;
  stall.maxOutstanding = Math.max(stall.maxOutstanding, stall.outstanding);
  if (!stall.released) await new Promise<void>((resolve) => stall.waiting.push(resolve));
  stall.outstanding -= 1;
  return jsonResponse(200, { Id: 1 });
};
const throwingHandler: NewHandler = () => {
  throw new Error('boom');
};

function route(
  id: string,
  path: string,
  handler: NewHandler,
  shadow: Partial<ShadowSettings> = {},
  methods: RouteRecord['methods'] = ['GET'],
): RouteRecord {
  return {
    id,
    methods,
    path,
    flag: `strangler.${id}`,
    handler,
    stickiness: { kind: 'client-address' },
    shadow: { sampleRate: 1, captureLimitBytes: 64 * 1024, timeoutMs: 2000, ...shadow },
  };
}

const routes: RouteRecord[] = [
  {
    ...route('items', '/api/items/{id}', itemHandler, { compare: { redactPaths: ['$.Name'] } }),
    redactPathParams: ['id'],
  },
  route('create', '/api/items', createHandler, {}, ['POST']),
  route('hang', '/api/hang/{id}', hangingHandler, { timeoutMs: 300 }),
  route('hang-report', '/api/hang-report/{id}', hangingHandler, { timeoutMs: 300 }),
  route('stall', '/api/stall/{id}', stallingHandler, { timeoutMs: 300 }),
  route('throw', '/api/throw/{id}', throwingHandler),
  route('big', '/api/big/{id}', itemHandler, { captureLimitBytes: 1000 }),
];

interface Rig {
  proxy: Proxy;
  runner: ShadowRunner;
  writer: ShadowWriter;
  flags: FakeFlagResolver;
  metrics: Metrics;
  /** Responses the runner redacted for samples so far. */
  redactedResponses(): number;
  close(): Promise<void>;
}

async function rig(
  options: {
    concurrency?: number;
    queueLimit?: number;
    accepted?: AcceptedDifferences;
    noise?: { sampleRate: number; warmup: number; maxPerSecond: number; now: () => Date };
    comparer?: Comparer | undefined;
    samplesPerGroup?: number;
  } = {},
): Promise<Rig> {
  const flags = createFakeFlagResolver();
  const noise = createNoiseModel();
  const metrics = createMetrics({ defaultMetrics: false });
  const writer = createShadowWriter({
    store: createPostgresShadowStore(db),
    metrics,
    logger,
    noise,
    flushIntervalMs: 60_000,
    ...(options.samplesPerGroup === undefined ? {} : { samplesPerGroup: options.samplesPerGroup }),
  });
  const redactor = createRedactor();
  let redactedResponses = 0;
  const runner = createShadowRunner({
    callLegacy: legacyCaller.call,
    writer,
    noise,
    redactor: {
      ...redactor,
      response: (...args) => {
        redactedResponses += 1;
        return redactor.response(...args);
      },
    },
    metrics,
    logger,
    concurrency: options.concurrency ?? 4,
    queueLimit: options.queueLimit ?? 64,
    noiseSampleRate: options.noise?.sampleRate ?? 0,
    noiseWarmup: options.noise?.warmup ?? 3,
    ...(options.noise === undefined
      ? {}
      : { noiseMaxPerSecond: options.noise.maxPerSecond, now: options.noise.now }),
    ...(options.accepted === undefined ? {} : { acceptedDifferences: () => options.accepted }),
    ...(options.comparer === undefined ? {} : { comparer: options.comparer }),
  });
  // The proxy and the runner share one registry, as in src/main.ts.
  const proxy = await startProxy({
    legacyUrl: legacy.url,
    routes,
    flags,
    extra: { observer: runner, metrics },
  });
  return {
    proxy,
    runner,
    writer,
    flags,
    metrics,
    redactedResponses: () => redactedResponses,
    async close() {
      await proxy.close();
      await runner.close();
      await writer.close();
    },
  };
}

async function counts(routeId: string): Promise<Record<string, number>> {
  const rows = await sql<Record<string, number>>`
    SELECT coalesce(sum(match), 0)::int AS match, coalesce(sum(mismatch), 0)::int AS mismatch,
           coalesce(sum(noise), 0)::int AS noise, coalesce(sum(error), 0)::int AS error,
           coalesce(sum(skipped), 0)::int AS skipped
    FROM strangler.shadow_minute WHERE route_id = ${routeId}`.execute(db);
  return rows.rows[0] ?? {};
}

async function reasons(routeId: string): Promise<{ outcome: string; reason: string; count: number }[]> {
  const rows = await sql<{ outcome: string; reason: string; count: number }>`
    SELECT outcome, reason, sum(count)::int AS count FROM strangler.shadow_minute_reason
    WHERE route_id = ${routeId} GROUP BY outcome, reason ORDER BY outcome, reason`.execute(db);
  return rows.rows;
}

async function settle(r: Rig): Promise<void> {
  await r.runner.idle();
  await r.writer.flush();
}

beforeAll(async () => {
  database = await createTestDatabase('shadow_runner');
  db = openTestKysely(database.url, 4);
  await migrateShadowStoreToLatest(db);
  await sql`CREATE TABLE shadow_test_items (id serial PRIMARY KEY, name text NOT NULL)`.execute(db);
  legacy = await startUpstream(legacyHandler);
  legacyCaller = createLegacyCaller({ legacyUrl: legacy.url });
});

afterAll(async () => {
  await legacyCaller?.close();
  await legacy?.close();
  await db?.destroy();
  await database?.drop();
});

describe('shadow runner behind the public server', () => {
  it.each([
    ['inline', undefined],
    ['on the comparison worker thread', 1],
  ])(
    'records exactly the altered handler’s diff group, with traceId and timestamps learned as noise (compared %s)',
    async (_, offThreadBytes) => {
      // Both variants count from zero (this suite's own database; later tests use other routes).
      await sql`TRUNCATE strangler.shadow_sample, strangler.shadow_group_minute, strangler.shadow_group, strangler.shadow_minute_reason,
        strangler.shadow_minute`.execute(db);
      const comparer = offThreadBytes === undefined ? undefined : createComparer({ offThreadBytes });
      const r = await rig({ comparer });
      try {
        r.flags.set('strangler.items', 'shadow');
        for (let id = 1; id <= 20; id++) {
          const response = await request(r.proxy.url, {
            path: `/api/items/${id}`,
            headers: {
              authorization: 'Bearer secret',
              'accept-encoding': id % 3 === 0 ? 'gzip' : 'identity',
            },
          });
          expect(response.status).toBe(200);
          const body =
            response.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(response.body) : response.body;
          // The client gets legacy's answer, never the new handler's.
          expect((JSON.parse(body.toString()) as { Score: number }).Score).toBe(legacyScore(id));
        }
        await settle(r);
        expect(await counts('items')).toEqual({ match: 0, mismatch: 10, noise: 10, error: 0, skipped: 0 });
        expect(
          await metricValue(r.metrics, 'strangler_shadow_comparisons_total', {
            route: 'items',
            outcome: 'mismatch',
          }),
        ).toBe(10);

        const groups = await sql<{ paths: unknown; count: string }>`
        SELECT paths, count FROM strangler.shadow_group WHERE route_id = 'items'`.execute(db);
        expect(groups.rows).toEqual([{ paths: [{ path: '$.Score', kind: 'changed' }], count: '10' }]);

        const [sample] = await createPostgresShadowStore(db).exportSamples('items', { limit: 1 });
        expect(sample?.diffs).toEqual([{ path: '$.Score', kind: 'changed', legacy: 2.34, new: 2.35 }]);
        expect(sample?.noise.map((d) => d.path).sort()).toEqual(['$.ServerTime', '$.traceId']);
        expect(sample?.request.headers.authorization).toBe(REDACTED);
        expect(sample?.request.path).toBe(`/api/items/${REDACTED}`);
        // A gzip response was compared decoded: nothing about encoding shows up as a difference.
        expect(sample?.legacy.bodyKind).toBe('json');
        // Every comparison, the noise-learning ones included, went to the worker when asked to.
        if (comparer !== undefined) expect(comparer.offThreadCount).toBe(20 + 3);
      } finally {
        await r.close();
        await comparer?.close();
      }
    },
  );

  it('redacts only the samples the writer will keep', async () => {
    const r = await rig({ samplesPerGroup: 1 });
    try {
      r.flags.set('strangler.items', 'shadow');
      for (let i = 0; i < 6; i++) await request(r.proxy.url, { path: '/api/items/2' });
      await settle(r);
      // Six mismatches of one group; one sample of two responses (legacy and new) is all a flush keeps.
      expect(r.redactedResponses()).toBe(2);
    } finally {
      await r.close();
    }
  });

  it('leaves the client’s response untouched and on time when the shadow side hangs or throws', async () => {
    const r = await rig();
    try {
      r.flags.set('strangler.hang', 'shadow');
      r.flags.set('strangler.throw', 'shadow');
      for (const path of ['/api/hang/1', '/api/hang/2', '/api/throw/1']) {
        const started = performance.now();
        const response = await request(r.proxy.url, { path });
        const elapsed = performance.now() - started;
        expect(response.status).toBe(200);
        expect(JSON.parse(response.body.toString())).toMatchObject({ Id: Number(path.split('/').at(-1)) });
        // The hanging handler's timeout is 300 ms: a client that waited for it would take longer.
        expect(elapsed).toBeLessThan(250);
      }
      await settle(r);
      expect(await counts('hang')).toMatchObject({ error: 2, mismatch: 0 });
      expect(await counts('throw')).toMatchObject({ error: 1 });
      // QA sees why: the hanging handler timed out, the other one threw.
      expect(await reasons('hang')).toEqual([{ outcome: 'error', reason: 'timeout', count: 2 }]);
      expect(await reasons('throw')).toEqual([{ outcome: 'error', reason: 'new-failed', count: 1 }]);
    } finally {
      await r.close();
    }
  });

  it('runs a shadowed POST in dry-run: sent to legacy once, no row left in PostgreSQL', async () => {
    const r = await rig();
    try {
      r.flags.set('strangler.create', 'shadow');
      legacyCalls.length = 0;
      dryRunSeen.length = 0;
      const response = await request(r.proxy.url, {
        method: 'POST',
        path: '/api/items',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ Name: 'widget' }),
      });
      expect(response.status).toBe(201);
      await settle(r);
      expect(legacyCalls.filter((c) => c.method === 'POST')).toHaveLength(1);
      expect(dryRunSeen).toEqual([true]);
      const rows = await sql`SELECT 1 FROM shadow_test_items`.execute(db);
      expect(rows.rows).toHaveLength(0);
      expect(await counts('create')).toMatchObject({ match: 1 });
    } finally {
      await r.close();
    }
  });

  it('in new mode shadows legacy for GET but never sends it a POST', async () => {
    const r = await rig();
    try {
      r.flags.set('strangler.items', 'new');
      r.flags.set('strangler.create', 'new');
      legacyCalls.length = 0;
      dryRunSeen.length = 0;
      const get = await request(r.proxy.url, { path: '/api/items/4' });
      expect((JSON.parse(get.body.toString()) as { Score: number }).Score).toBe(2.35);
      const post = await request(r.proxy.url, {
        method: 'POST',
        path: '/api/items',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ Name: 'real' }),
      });
      expect(post.status).toBe(201);
      await settle(r);
      expect(legacyCalls.filter((c) => c.method === 'POST')).toEqual([]);
      expect(legacyCalls.filter((c) => c.path === '/api/items/4').length).toBeGreaterThanOrEqual(1);
      expect(dryRunSeen).toEqual([false]);
      await sql`DELETE FROM shadow_test_items`.execute(db);
    } finally {
      await r.close();
    }
  });

  it('calls legacy a second time for noise at most noiseMaxPerSecond times per route and second', async () => {
    let clock = Date.parse('2026-11-22T10:00:00.000Z');
    const r = await rig({ noise: { sampleRate: 1, warmup: 2, maxPerSecond: 3, now: () => new Date(clock) } });
    try {
      r.flags.set('strangler.items', 'shadow');
      const legacyHits = async (n: number) => {
        legacyCalls.length = 0;
        for (let i = 0; i < n; i++) await request(r.proxy.url, { path: '/api/items/3' });
        await settle(r);
        return legacyCalls.length;
      };
      // Warm-up: every comparison learns (2 served + 2 second calls); then 3 in the same second.
      expect(await legacyHits(2)).toBe(4);
      expect(await legacyHits(6)).toBe(6 + 3);
      // The next second has a fresh budget.
      clock += 1000;
      expect(await legacyHits(4)).toBe(4 + 3);
    } finally {
      await r.close();
    }
  });

  it('records bodies over the capture limit as skipped', async () => {
    const r = await rig();
    try {
      r.flags.set('strangler.big', 'shadow');
      const response = await request(r.proxy.url, { path: '/api/big/2' });
      expect(response.body.length).toBeGreaterThan(5000);
      await settle(r);
      expect(await counts('big')).toMatchObject({ skipped: 1, match: 0, mismatch: 0 });
      expect(await reasons('big')).toEqual([{ outcome: 'skipped', reason: 'capture-limit', count: 1 }]);
    } finally {
      await r.close();
    }
  });

  it('drops and counts exchanges beyond its concurrency and queue', async () => {
    const r = await rig({ concurrency: 1, queueLimit: 1 });
    try {
      r.flags.set('strangler.hang', 'shadow');
      await Promise.all([1, 2, 3, 4, 5].map((id) => request(r.proxy.url, { path: `/api/hang/${id}` })));
      expect(await metricValue(r.metrics, 'strangler_shadow_dropped_total', { reason: 'queue_full' })).toBe(
        3,
      );
      await settle(r);
      expect(await metricValue(r.metrics, 'strangler_shadow_queue_depth', {})).toBe(0);
    } finally {
      await r.close();
    }
  });

  it('records the requests it dropped and those the sample rate left out, so the QA report shows them', async () => {
    const r = await rig({ concurrency: 1, queueLimit: 1 });
    try {
      r.flags.set('strangler.hang-report', 'shadow');
      await Promise.all(
        [1, 2, 3, 4, 5].map((id) => request(r.proxy.url, { path: `/api/hang-report/${id}` })),
      );
      r.flags.set('strangler.hang-report', { mode: 'shadow', serve: 'legacy', sampleRate: 0 });
      await request(r.proxy.url, { path: '/api/hang-report/6' });
      await settle(r);
      const window = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) };
      const stats = (await createPostgresReportStore(db).routeStats(['hang-report'], window)).get(
        'hang-report',
      );
      expect(stats).toMatchObject({ compared: 0, error: 2, dropped: 3, unsampled: 1, eligible: 6 });
      expect(stats?.effectiveSampleRate).toBe(0);
      expect(stats?.notCompared).toEqual([
        { outcome: 'dropped', reason: 'queue-full', count: 3 },
        { outcome: 'error', reason: 'timeout', count: 2 },
        { outcome: 'unsampled', reason: 'sample-rate', count: 1 },
      ]);
      const page = routePage(
        { ...hangReport, stats, status: undefined },
        { key: '1h', window },
        { actor: 'qa', role: 'qa', csrf: 'token' },
      );
      expect(page).toMatch(/data-reason="queue-full"\s*>3 dropped \(<code>queue-full<\/code>\)/);
      expect(page).toMatch(/class="sample-rate">0 of 6 \(0\.0%\)/);
    } finally {
      await r.close();
    }
  });

  it('keeps a call that outlived its timeout in a slot until it settles, so a stall cannot pile up calls', async () => {
    const r = await rig({ concurrency: 1, queueLimit: 1 });
    try {
      r.flags.set('strangler.stall', 'shadow');
      // Each wave outlasts the 300 ms timeout; without the bound every wave would add a running call.
      for (const wave of [1, 2, 3, 4]) {
        await Promise.all([1, 2, 3].map((id) => request(r.proxy.url, { path: `/api/stall/${wave}-${id}` })));
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
      // One running call, and at most one more (concurrency) that timed out but still runs.
      expect(stall.maxOutstanding).toBe(2);
      expect(
        await metricValue(r.metrics, 'strangler_shadow_dropped_total', { reason: 'queue_full' }),
      ).toBeGreaterThan(6);
      stall.release();
      await settle(r);
      expect(stall.outstanding).toBe(0);
      expect(
        await metricValue(r.metrics, 'strangler_shadow_comparisons_total', {
          route: 'stall',
          outcome: 'error',
        }),
      ).toBeGreaterThanOrEqual(2);
    } finally {
      await r.close();
    }
  });

  it('counts a difference QA accepted (by fingerprint or by its kind and path) as a match', async () => {
    const byFingerprint = await rig({
      accepted: { differences: [], fingerprints: [fingerprintOf([{ path: '$.Score', kind: 'changed' }])] },
    });
    const byPath = await rig({
      accepted: { differences: [{ path: '$.Score', kind: 'changed' }], fingerprints: [] },
    });
    try {
      for (const r of [byFingerprint, byPath]) {
        r.flags.set('strangler.items', 'shadow');
        await request(r.proxy.url, { path: '/api/items/12' });
        await r.runner.idle();
        expect(
          await metricValue(r.metrics, 'strangler_shadow_comparisons_total', {
            route: 'items',
            outcome: 'mismatch',
          }),
        ).toBe(0);
        // traceId and ServerTime are still learned noise; the Score difference no longer counts.
        expect(
          (await metricValue(r.metrics, 'strangler_shadow_comparisons_total', {
            route: 'items',
            outcome: 'noise',
          })) +
            (await metricValue(r.metrics, 'strangler_shadow_comparisons_total', {
              route: 'items',
              outcome: 'match',
            })),
        ).toBe(1);
      }
    } finally {
      await byFingerprint.close();
      await byPath.close();
    }
  });

  it('stops shadowing while the kill switch is on', async () => {
    const r = await rig();
    try {
      r.flags.set('strangler.items', 'shadow');
      r.flags.setKillSwitch(true);
      legacyCalls.length = 0;
      await request(r.proxy.url, { path: '/api/items/8' });
      await settle(r);
      expect(legacyCalls).toHaveLength(1);
      expect(
        await metricValue(r.metrics, 'strangler_shadow_comparisons_total', {
          route: 'items',
          outcome: 'mismatch',
        }),
      ).toBe(0);
    } finally {
      await r.close();
    }
  });
});

describe('shadowRuleProblems', () => {
  it('lists every route’s invalid comparison rules at once', () => {
    const problems = shadowRuleProblems([
      route('a', '/a', itemHandler, { compare: { ignore: ['nope'] } }),
      route('b', '/b', itemHandler, { compare: { numericTolerance: [{ path: '$.x' }] } }),
      route('c', '/c', itemHandler),
    ]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^route a: /);
    expect(problems[1]).toMatch(/^route b: /);
  });
});
