import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql, type Kysely } from 'kysely';
import type { IncomingMessage, ServerResponse } from 'node:http';
import http from 'node:http';
import { jsonResponse, type NewHandler } from '../handlers/new-handler.ts';
import { createSilentLogger } from '../observability/logger.ts';
import { createMetrics, type Metrics } from '../observability/metrics.ts';
import type { ExchangeObserver, ObservedExchange, ObservedRequest } from '../proxy/exchange-observer.ts';
import type { LegacyEngine } from '../proxy/legacy-forwarder.ts';
import {
  metricValue,
  request,
  startProxy,
  startUpstream,
  type Proxy,
  type Upstream,
} from '../proxy/proxy-test-harness.ts';
import type { RouteRecord } from '../routing/route.ts';
import { createFakeFlagResolver } from '../testing/fake-flag-resolver.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { createLegacyCaller, type LegacyCaller } from './legacy-caller.ts';
import { createNoiseModel } from './noise/noise-model.ts';
import { createRedactor } from './redact.ts';
import { createShadowRunner, type ShadowRunner, type ShadowRunnerDeps } from './shadow-runner.ts';
import type { ShadowResult } from './store/result-buffer.ts';
import { openTestKysely } from './testing/open-test-kysely.ts';

/*
 * A shadowed write must not race the dual-write sync. Legacy here commits the entry
 * to its own table and a sync-like copier inserts it into the new side's table before legacy answers,
 * so anything that reads the new side after legacy's answer sees the entry. The new handler rejects a
 * duplicate with 409, as wellness-create does. Real PostgreSQL for both tables, real public server.
 */

let database: TestDatabase;
let db: Kysely<unknown>;
let legacy: Upstream;
let legacyCaller: LegacyCaller;
const logger = createSilentLogger();
const legacyPosts: string[] = [];
const dryRuns: boolean[] = [];
/** Resolves when the new handler finished for an entry date; legacy waits for it (bounded) before writing. */
const handlerDone = new Map<string, { promise: Promise<void>; resolve: () => void }>();
/** How long legacy waits for the shadow side before it writes anyway. */
const LEGACY_WAIT_MS = 800;

function doneSignal(date: string): { promise: Promise<void>; resolve: () => void } {
  let signal = handlerDone.get(date);
  if (signal === undefined) {
    let resolve: () => void = () => undefined;
    const promise = new Promise<void>((r) => (resolve = r));
    signal = { promise, resolve };
    handlerDone.set(date, signal);
  }
  return signal;
}

interface EntryInput {
  EntryDate: string;
  Mood: number;
}

function legacyHandler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    void (async () => {
      const input = JSON.parse(Buffer.concat(chunks).toString()) as EntryInput;
      legacyPosts.push(input.EntryDate);
      if (req.url === '/api/hang') return; // answers never; the client gives up
      // Legacy is the slower side: it works while a shadow side started on time finishes, but never
      // waits for one that was not started (that is what the late start did).
      await Promise.race([
        doneSignal(input.EntryDate).promise,
        new Promise((resolve) => setTimeout(resolve, LEGACY_WAIT_MS)),
      ]);
      await sql`INSERT INTO legacy_entries (entry_date, mood) VALUES (${input.EntryDate}, ${input.Mood})`.execute(
        db,
      );
      // The sync has copied the committed row before legacy's response reaches the proxy.
      await sql`INSERT INTO new_entries (entry_date, mood) VALUES (${input.EntryDate}, ${input.Mood})`.execute(
        db,
      );
      res.writeHead(201, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ EntryDate: input.EntryDate, Mood: input.Mood }));
    })().catch(() => res.destroy());
  });
}

/** Check-then-insert in one transaction, rolled back in dry-run, like routes/wellness (wellness-create). */
const createEntry: NewHandler = async (req) => {
  dryRuns.push(req.dryRun);
  const input = JSON.parse(req.body.toString()) as EntryInput;
  try {
    let duplicate = false;
    try {
      await db.transaction().execute(async (trx) => {
        const existing = await sql`SELECT 1 FROM new_entries WHERE entry_date = ${input.EntryDate}`.execute(
          trx,
        );
        if (existing.rows.length > 0) {
          duplicate = true;
          return;
        }
        await sql`INSERT INTO new_entries (entry_date, mood) VALUES (${input.EntryDate}, ${input.Mood})`.execute(
          trx,
        );
        if (req.dryRun) throw new DryRunRollback();
      });
    } catch (error: unknown) {
      if (!(error instanceof DryRunRollback)) throw error;
    }
    if (duplicate) {
      return jsonResponse(409, { title: `An entry on ${input.EntryDate} already exists.`, status: 409 });
    }
    return jsonResponse(201, { EntryDate: input.EntryDate, Mood: input.Mood });
  } finally {
    doneSignal(input.EntryDate).resolve();
  }
};

class DryRunRollback extends Error {}

const routes: RouteRecord[] = [
  {
    id: 'entry-create',
    methods: ['POST'],
    path: '/api/entries',
    flag: 'strangler.entry-create',
    handler: createEntry,
    stickiness: { kind: 'client-address' },
    shadow: { sampleRate: 1, captureLimitBytes: 64 * 1024, timeoutMs: 2000 },
  },
  {
    id: 'entry-hang',
    methods: ['POST'],
    path: '/api/hang',
    flag: 'strangler.entry-hang',
    handler: createEntry,
    stickiness: { kind: 'client-address' },
    shadow: { sampleRate: 1, captureLimitBytes: 64 * 1024, timeoutMs: 2000 },
  },
];

interface Rig {
  proxy: Proxy;
  runner: ShadowRunner;
  metrics: Metrics;
  results: ShadowResult[];
  close(): Promise<void>;
}

async function rig(
  options: {
    engine?: LegacyEngine;
    /** Hides the early hook, as an observer written before it existed would. */
    lateOnly?: boolean;
    runner?: Partial<ShadowRunnerDeps>;
  } = {},
): Promise<Rig> {
  const flags = createFakeFlagResolver();
  flags.set('strangler.entry-create', 'shadow');
  flags.set('strangler.entry-hang', 'shadow');
  const metrics = createMetrics({ defaultMetrics: false });
  // The outcomes as the store would receive them (the store itself is covered by its own suites).
  const results: ShadowResult[] = [];
  const runner = createShadowRunner({
    callLegacy: legacyCaller.call,
    writer: {
      record: (result) => {
        results.push(result);
        return true;
      },
    },
    noise: createNoiseModel(),
    redactor: createRedactor(),
    metrics,
    logger,
    concurrency: 4,
    queueLimit: 16,
    ...options.runner,
  });
  const observer: ExchangeObserver =
    options.lateOnly === true
      ? { captureLimit: (m, d) => runner.captureLimit(m, d), onExchange: (e) => runner.onExchange(e) }
      : runner;
  const proxy = await startProxy({
    legacyUrl: legacy.url,
    routes,
    flags,
    ...(options.engine === undefined ? {} : { engine: options.engine }),
    extra: { observer, metrics },
  });
  return {
    proxy,
    runner,
    metrics,
    results,
    async close() {
      await proxy.close();
      await runner.close();
    },
  };
}

let nextDay = 0;
/** A date no other test used, so every POST is a first write. */
function freshDate(): string {
  nextDay += 1;
  return new Date(Date.UTC(2026, 0, 1) + nextDay * 86_400_000).toISOString().slice(0, 10);
}

function post(proxy: Proxy, date: string, path = '/api/entries') {
  return request(proxy.url, {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ EntryDate: date, Mood: 4 }),
  });
}

async function rowCount(table: 'legacy_entries' | 'new_entries', dates: string[]): Promise<number> {
  const rows = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE entry_date = ANY(${dates}::date[])`.execute(db);
  return rows.rows[0]?.n ?? -1;
}

function outcomes(metrics: Metrics, route = 'entry-create') {
  return Promise.all(
    (['match', 'mismatch', 'error', 'skipped'] as const).map(async (outcome) => [
      outcome,
      await metricValue(metrics, 'strangler_shadow_comparisons_total', { route, outcome }),
    ]),
  ).then((pairs) => Object.fromEntries(pairs) as Record<string, number>);
}

beforeAll(async () => {
  database = await createTestDatabase('shadow_early_dry_run');
  db = openTestKysely(database.url, 6);
  await sql`CREATE TABLE legacy_entries (entry_date date PRIMARY KEY, mood int NOT NULL)`.execute(db);
  await sql`CREATE TABLE new_entries (entry_date date PRIMARY KEY, mood int NOT NULL)`.execute(db);
  legacy = await startUpstream(legacyHandler);
  legacyCaller = createLegacyCaller({ legacyUrl: legacy.url });
});

afterAll(async () => {
  await legacyCaller?.close();
  await legacy?.close();
  await db?.destroy();
  await database?.drop();
});

describe('a shadowed write served by legacy', () => {
  for (const engine of ['http-proxy-middleware', 'undici'] as const) {
    it(`starts its dry run before legacy writes, so it matches legacy even though the sync copied the row (${engine})`, async () => {
      const r = await rig({ engine });
      try {
        const dates = [freshDate(), freshDate(), freshDate()];
        legacyPosts.length = 0;
        dryRuns.length = 0;
        const responses = await Promise.all(dates.map((date) => post(r.proxy, date)));
        for (const response of responses) expect(response.status).toBe(201);
        await r.runner.idle();
        expect(await outcomes(r.metrics)).toEqual({ match: 3, mismatch: 0, error: 0, skipped: 0 });
        // Sent to legacy once each; the synced rows are the only ones on the new side (dry runs rolled back).
        expect(legacyPosts.sort()).toEqual([...dates].sort());
        expect(dryRuns).toEqual([true, true, true]);
        expect(await rowCount('legacy_entries', dates)).toBe(3);
        expect(await rowCount('new_entries', dates)).toBe(3);
      } finally {
        await r.close();
      }
    });
  }

  it('shows the race when the dry run only starts after legacy answered (the hook unused)', async () => {
    const r = await rig({ lateOnly: true });
    try {
      const date = freshDate();
      expect((await post(r.proxy, date)).status).toBe(201);
      await r.runner.idle();
      expect(await outcomes(r.metrics)).toEqual({ match: 0, mismatch: 1, error: 0, skipped: 0 });
      const sample = r.results[0]?.group?.sample;
      expect(sample?.diffs).toContainEqual({ path: 'status', kind: 'changed', legacy: 201, new: 409 });
    } finally {
      await r.close();
    }
  });

  it('frees the slot and counts the comparison as skipped when the client leaves before legacy answers', async () => {
    const r = await rig({ runner: { concurrency: 1, queueLimit: 0 } });
    try {
      const date = freshDate();
      const abandoned = new Promise<void>((resolve) => {
        const client = http.request(new URL('/api/hang', r.proxy.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        });
        client.on('error', () => resolve());
        client.end(JSON.stringify({ EntryDate: date, Mood: 2 }));
        // The dry run has run (it signals its date) while legacy still holds the request.
        void doneSignal(date).promise.then(() => client.destroy());
      });
      await abandoned;
      await r.runner.idle();
      expect(await outcomes(r.metrics, 'entry-hang')).toEqual({
        match: 0,
        mismatch: 0,
        error: 0,
        skipped: 1,
      });
      // The slot is free again: the next write is compared, not dropped.
      expect((await post(r.proxy, freshDate())).status).toBe(201);
      await r.runner.idle();
      expect(await outcomes(r.metrics)).toMatchObject({ match: 1 });
      expect(await metricValue(r.metrics, 'strangler_shadow_dropped_total', { reason: 'queue_full' })).toBe(
        0,
      );
    } finally {
      await r.close();
    }
  });
});

describe('the public server announces a request to its observer', () => {
  for (const engine of ['http-proxy-middleware', 'undici'] as const) {
    it(`once its whole body reached legacy and before legacy answers, then the exchange with the same id (${engine})`, async () => {
      let release: () => void = () => undefined;
      const legacyMayAnswer = new Promise<void>((resolve) => (release = resolve));
      const received: string[] = [];
      const slowLegacy = await startUpstream((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          received.push(`${req.method ?? ''} ${Buffer.concat(chunks).toString()}`);
          void legacyMayAnswer.then(() => {
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end('ok');
          });
        });
      });
      const announced: ObservedRequest[] = [];
      const exchanges: ObservedExchange[] = [];
      const flags = createFakeFlagResolver();
      flags.set('strangler.entry-create', 'shadow');
      const proxy = await startProxy({
        legacyUrl: slowLegacy.url,
        routes: [{ ...(routes[0] as RouteRecord), methods: ['POST', 'DELETE'] }],
        flags,
        engine,
        extra: {
          observer: {
            captureLimit: () => 1024,
            onRequest: (request) => announced.push(request),
            onExchange: (exchange) => exchanges.push(exchange),
          },
        },
      });
      try {
        const chunked = new Promise<void>((resolve, reject) => {
          // A body of unknown length, sent in two writes.
          const req = http.request(new URL('/api/entries', proxy.url), { method: 'POST' }, (res) => {
            res.resume();
            res.on('end', resolve);
          });
          req.on('error', reject);
          req.write('{"EntryDate":');
          setTimeout(() => req.end('"2026-05-01","Mood":3}'), 20);
        });
        const sized = request(proxy.url, {
          method: 'POST',
          path: '/api/entries',
          headers: { 'content-type': 'application/json' },
          body: '{"EntryDate":"2026-05-02","Mood":3}',
        });
        const bodiless = request(proxy.url, { method: 'DELETE', path: '/api/entries' });
        const deadline = Date.now() + 5000;
        while ((announced.length < 3 || received.length < 3) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        // All three announced while legacy still holds every answer.
        expect(exchanges).toEqual([]);
        const bodies = announced.map((a) =>
          a.request.body.kind === 'captured'
            ? `${a.request.method} ${a.request.body.bytes.toString()}`
            : 'over',
        );
        expect(bodies.sort()).toEqual([...received].sort());
        expect(bodies.sort()).toEqual([
          'DELETE ',
          'POST {"EntryDate":"2026-05-01","Mood":3}',
          'POST {"EntryDate":"2026-05-02","Mood":3}',
        ]);
        release();
        await Promise.all([chunked, sized, bodiless]);
        const deadlineExchanges = Date.now() + 5000;
        while (exchanges.length < 3 && Date.now() < deadlineExchanges) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(exchanges.map((e) => e.observationId).sort()).toEqual(
          announced.map((a) => a.observationId).sort(),
        );
        expect(new Set(announced.map((a) => a.observationId)).size).toBe(3);
      } finally {
        release();
        await proxy.close();
        await slowLegacy.close();
      }
    });
  }
});

describe('early dry runs in the runner', () => {
  const route = routes[0] as RouteRecord;
  let observationId = 1_000_000;

  function announced(date: string): ObservedRequest {
    observationId += 1;
    return {
      observationId,
      requestId: `req-${observationId}`,
      match: { route, params: {} },
      decision: { mode: 'shadow', serve: 'legacy' },
      serving: 'legacy',
      request: {
        method: 'POST',
        url: '/api/entries',
        headers: { 'content-type': 'application/json' },
        body: { kind: 'captured', bytes: Buffer.from(JSON.stringify({ EntryDate: date, Mood: 1 })) },
      },
    };
  }

  function exchangeFor(request: ObservedRequest, status = 201): ObservedExchange {
    const body = JSON.parse(
      request.request.body.kind === 'captured' ? request.request.body.bytes.toString() : '{}',
    );
    return {
      ...request,
      served: 'legacy',
      fellBack: false,
      response: {
        status,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: { kind: 'captured', bytes: Buffer.from(JSON.stringify(body)) },
        complete: true,
      },
      durationMs: 5,
    };
  }

  async function runner(deps: Partial<ShadowRunnerDeps>) {
    const metrics = createMetrics({ defaultMetrics: false });
    const results: ShadowResult[] = [];
    const shadow = createShadowRunner({
      callLegacy: legacyCaller.call,
      writer: {
        record: (result) => {
          results.push(result);
          return true;
        },
      },
      noise: createNoiseModel(),
      redactor: createRedactor(),
      metrics,
      logger,
      ...deps,
    });
    return { shadow, metrics, results };
  }

  it('gives up on an exchange that never arrives, counts it skipped, and never dry-runs it again late', async () => {
    const { shadow, metrics } = await runner({ concurrency: 1, exchangeWaitMs: 150 });
    try {
      dryRuns.length = 0;
      const request = announced(freshDate());
      shadow.onRequest(request);
      await shadow.idle();
      expect(await outcomes(metrics)).toEqual({ match: 0, mismatch: 0, error: 0, skipped: 1 });
      // Arriving after the runner gave up: not run a second time (a late dry run would race the sync).
      shadow.onExchange(exchangeFor(request));
      await shadow.idle();
      expect(dryRuns).toEqual([true]);
      expect(await outcomes(metrics)).toEqual({ match: 0, mismatch: 0, error: 0, skipped: 1 });
    } finally {
      await shadow.close();
    }
  });

  it('holds a slot per early dry run: beyond concurrency and queue it drops, counts, and ignores the exchange', async () => {
    const { shadow, metrics } = await runner({ concurrency: 1, queueLimit: 1 });
    try {
      dryRuns.length = 0;
      const requests = [announced(freshDate()), announced(freshDate()), announced(freshDate())];
      for (const request of requests) shadow.onRequest(request);
      expect(await metricValue(metrics, 'strangler_shadow_dropped_total', { reason: 'queue_full' })).toBe(1);
      expect(await metricValue(metrics, 'strangler_shadow_queue_depth', {})).toBe(1);
      for (const request of requests) shadow.onExchange(exchangeFor(request));
      await shadow.idle();
      expect(dryRuns).toEqual([true, true]);
      expect(await outcomes(metrics)).toEqual({ match: 2, mismatch: 0, error: 0, skipped: 0 });
    } finally {
      await shadow.close();
    }
  });

  it('starts no dry run while the kill switch is on, and does not run one when the exchange arrives', async () => {
    let killed = true;
    const { shadow, metrics } = await runner({ killSwitchOn: () => killed });
    try {
      dryRuns.length = 0;
      const request = announced(freshDate());
      shadow.onRequest(request);
      killed = false;
      shadow.onExchange(exchangeFor(request));
      await shadow.idle();
      expect(dryRuns).toEqual([]);
      expect(await outcomes(metrics)).toEqual({ match: 0, mismatch: 0, error: 0, skipped: 0 });
    } finally {
      await shadow.close();
    }
  });

  it('stops waiting for exchanges when closed', async () => {
    const { shadow, metrics } = await runner({ exchangeWaitMs: 20_000 });
    shadow.onRequest(announced(freshDate()));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    await shadow.close();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await outcomes(metrics)).toMatchObject({ skipped: 1 });
  });
});
