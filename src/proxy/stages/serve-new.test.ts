import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';

import pg from 'pg';

import { jsonResponse } from '../../handlers/new-handler.ts';
import type { RouteRecord } from '../../routing/route.ts';
import { createFakeFlagResolver } from '../../testing/fake-flag-resolver.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database.ts';
import type { Proxy, Upstream } from '../proxy-test-harness.ts';
import { metricValue, onWholeBody, request, startProxy, startUpstream } from '../proxy-test-harness.ts';

/*
 * A handler that stores what the client sent without validating it, on a real PostgreSQL: whatever the
 * database refuses as the client's data must not count towards the route's circuit breaker, however
 * often a client sends it.
 */
describe("the new side's failures and the circuit breaker", () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let upstream: Upstream;
  let proxy: Proxy;
  let legacyCalls = 0;
  const flags = createFakeFlagResolver();

  const unvalidated: RouteRecord = {
    id: 'notes',
    methods: ['GET', 'POST'],
    path: '/api/notes',
    flag: 'strangler.notes',
    stickiness: { kind: 'client-address' },
    handler: async (req) => {
      const text = req.method === 'GET' ? (req.query.get('text') ?? '') : req.body.toString();
      const { rows } = await pool.query<{ n: number }>(
        'INSERT INTO notes (text) VALUES ($1) RETURNING length(text) AS n',
        [text],
      );
      return jsonResponse(req.method === 'GET' ? 200 : 201, { length: rows[0]?.n });
    },
  };

  let waiting = 0;
  const waitsForClient: RouteRecord = {
    ...unvalidated,
    id: 'waits',
    path: '/api/waits',
    flag: 'strangler.waits',
    handler: (req) =>
      new Promise((_resolve, reject) => {
        waiting += 1;
        req.signal.addEventListener('abort', () => reject(req.signal.reason));
      }),
  };

  beforeAll(async () => {
    database = await createTestDatabase('serve_new');
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    await pool.query('CREATE TABLE notes (id serial PRIMARY KEY, text text NOT NULL)');
    upstream = await startUpstream((req, res) =>
      onWholeBody(req, () => {
        legacyCalls += 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"side":"legacy"}');
      }),
    );
    flags.set('strangler.notes', 'new');
    flags.set('strangler.waits', 'new');
    proxy = await startProxy({
      legacyUrl: upstream.url,
      routes: [unvalidated, waitsForClient],
      flags,
      extra: { circuitBreaker: { failureThreshold: 3, openMs: 30_000 } },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await upstream.close();
    await pool.end();
    await database.drop();
  });

  it('input the database refuses (a NUL) leaves the circuit closed and the route on the new side', async () => {
    for (let i = 0; i < 4; i += 1) {
      const write = await request(proxy.url, { method: 'POST', path: '/api/notes', body: `a\u0000${i}` });
      expect(write.status).toBe(500);
      const read = await request(proxy.url, { path: '/api/notes?text=a%00b' });
      expect(JSON.parse(read.body.toString())).toEqual({ side: 'legacy' });
    }
    expect(legacyCalls).toBe(4);
    expect(await metricValue(proxy.metrics, 'strangler_circuit_open', { route: 'notes' })).toBe(0);
    const stored = await request(proxy.url, { method: 'POST', path: '/api/notes', body: 'fine' });
    expect(stored.status).toBe(201);
    expect(JSON.parse(stored.body.toString())).toEqual({ length: 4 });
    expect(legacyCalls).toBe(4);
  });

  it('clients that leave while the handler runs do not count either', async () => {
    for (let i = 1; i <= 4; i += 1) {
      const leaving = http.request({
        port: proxy.port,
        host: '127.0.0.1',
        method: 'POST',
        path: '/api/waits',
      });
      leaving.on('error', () => undefined);
      leaving.end('x');
      while (waiting < i) await new Promise((resolve) => setTimeout(resolve, 5));
      leaving.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await metricValue(proxy.metrics, 'strangler_circuit_open', { route: 'waits' })).toBe(0);
  });
});
