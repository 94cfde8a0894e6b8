import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createTestDatabase } from '../testing/test-database.ts';
import type { TestDatabase } from '../testing/test-database.ts';
import { createFakeFlagResolver } from '../testing/fake-flag-resolver.ts';
import { databaseCheck, flagsLoadedCheck, legacyReachableCheck, runReadinessChecks } from './readiness.ts';
import type { ReadinessCheck } from './readiness.ts';

/** A real legacy stand-in whose answer the test controls; counts the requests it receives. */
class Upstream {
  status = 200;
  hang = false;
  received = 0;
  readonly server = http.createServer((req, res) => {
    this.received += 1;
    if (this.hang) return;
    res.writeHead(this.status).end();
  });

  async start(): Promise<URL> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return new URL(`http://127.0.0.1:${(this.server.address() as AddressInfo).port}/legacy-base/`);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function closedPortUrl(): Promise<URL> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return new URL(`http://127.0.0.1:${port}/`);
}

describe('legacyReachableCheck', () => {
  const upstream = new Upstream();
  let url: URL;
  beforeAll(async () => {
    url = await upstream.start();
  });
  afterAll(async () => {
    await upstream.stop();
  });

  it('counts any application answer, even 404 or 405, as reachable', async () => {
    for (const status of [200, 404, 405, 401]) {
      upstream.status = status;
      const result = await legacyReachableCheck(url, { cacheMs: 0, timeoutMs: 5000 }).check();
      expect(result).toEqual({ ok: true, detail: expect.stringContaining(`answered ${status}`) });
    }
  });

  it('reports a gateway error (App Service front end without a running app) as unreachable', async () => {
    upstream.status = 503;
    expect(await legacyReachableCheck(url, { cacheMs: 0, timeoutMs: 5000 }).check()).toEqual({
      ok: false,
      detail: expect.stringContaining('answered 503 (gateway error)'),
    });
  });

  it('reports a refused connection as unreachable with the error code', async () => {
    const result = await legacyReachableCheck(await closedPortUrl()).check();
    expect(result).toEqual({ ok: false, detail: expect.stringContaining('ECONNREFUSED') });
  });

  it('gives up on a legacy that accepts but never answers after its timeout', async () => {
    upstream.hang = true;
    try {
      const started = Date.now();
      const result = await legacyReachableCheck(url, { timeoutMs: 150, cacheMs: 0 }).check();
      expect(result).toEqual({ ok: false, detail: expect.stringContaining('no response within 150 ms') });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      upstream.hang = false;
    }
  });

  it('reuses a result within the cache window so frequent probes do not load legacy', async () => {
    upstream.status = 200;
    let now = 1_000_000;
    const check = legacyReachableCheck(url, { cacheMs: 2000, timeoutMs: 5000, now: () => now });
    const before = upstream.received;
    await Promise.all([check.check(), check.check(), check.check()]);
    now += 1999;
    await check.check();
    expect(upstream.received - before).toBe(1);
    now += 1;
    await check.check();
    expect(upstream.received - before).toBe(2);
  });

  it('sends a HEAD to the configured base path', async () => {
    const seen: string[] = [];
    const listener = (req: http.IncomingMessage) => seen.push(`${req.method} ${req.url}`);
    upstream.server.on('request', listener);
    try {
      await legacyReachableCheck(url, { cacheMs: 0, timeoutMs: 5000 }).check();
    } finally {
      upstream.server.off('request', listener);
    }
    expect(seen).toEqual(['HEAD /legacy-base/']);
  });
});

describe('flagsLoadedCheck', () => {
  it('is not ready until flags were loaded once, and says when the kill switch is on', async () => {
    const flags = createFakeFlagResolver();
    flags.setReady(false);
    const check = flagsLoadedCheck(flags);
    expect(await check.check()).toEqual({ ok: false, detail: 'flags not loaded yet' });
    flags.setReady(true);
    expect(await check.check()).toEqual({ ok: true, detail: 'loaded' });
    flags.setKillSwitch(true);
    expect(await check.check()).toEqual({ ok: true, detail: expect.stringContaining('kill switch ON') });
  });
});

describe('runReadinessChecks', () => {
  const fixed = (name: string, ok: boolean): ReadinessCheck => ({ name, check: async () => ({ ok }) });

  it('is ready only when every check passes, and lists each one', async () => {
    expect(await runReadinessChecks([fixed('a', true), fixed('b', true)], 100)).toEqual({
      ready: true,
      checks: [
        { name: 'a', ok: true, durationMs: expect.any(Number) },
        { name: 'b', ok: true, durationMs: expect.any(Number) },
      ],
    });
    const report = await runReadinessChecks([fixed('a', true), fixed('b', false)], 100);
    expect(report.ready).toBe(false);
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });

  it('turns a hanging check into a failure after the per-check timeout', async () => {
    const hanging: ReadinessCheck = { name: 'postgres', check: () => new Promise(() => {}) };
    const started = Date.now();
    const report = await runReadinessChecks([hanging, fixed('flags', true)], 100);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(report.checks[0]).toEqual({
      name: 'postgres',
      ok: false,
      detail: 'no answer within 100 ms',
      durationMs: expect.any(Number),
    });
  });

  it('turns a throwing check into a failure with its reason', async () => {
    const throwing: ReadinessCheck = {
      name: 'postgres',
      check: async () => {
        throw Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED' });
      },
    };
    const report = await runReadinessChecks([throwing], 100);
    expect(report.checks[0]).toMatchObject({ ok: false, detail: 'check failed: ECONNREFUSED' });
  });
});

describe('databaseCheck', () => {
  let database: TestDatabase;
  let db: Kysely<object>;
  let unreachable: Kysely<object>;
  beforeAll(async () => {
    database = await createTestDatabase('strangler_readiness');
    db = new Kysely<object>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }),
    });
    const closed = await closedPortUrl();
    unreachable = new Kysely<object>({
      dialect: new PostgresDialect({
        pool: new pg.Pool({
          connectionString: `postgres://postgres@127.0.0.1:${closed.port}/postgres`,
          max: 1,
        }),
      }),
    });
  });
  afterAll(async () => {
    await db.destroy();
    await unreachable.destroy();
    await database.drop();
  });

  it('passes when PostgreSQL answers a query', async () => {
    expect(await databaseCheck('postgres', db).check()).toEqual({
      ok: true,
      detail: expect.stringMatching(/^answered in \d+ ms$/),
    });
  });

  it('fails with the reason when PostgreSQL cannot be reached', async () => {
    expect(await databaseCheck('postgres', unreachable).check()).toEqual({
      ok: false,
      detail: 'query failed: ECONNREFUSED',
    });
  });
});
