import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openTestKysely } from '../src/shadow/testing/open-test-kysely.ts';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kysely } from 'kysely';
import { parseFixture } from '../contract-tests/contract-fixture.ts';
import { createRedactor, REDACTED } from '../src/shadow/redact.ts';
import { createPostgresShadowStore } from '../src/shadow/store/postgres-shadow-store.ts';
import { migrateShadowStoreToLatest } from '../src/shadow/store/shadow-migrations.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/test-database.ts';
import { samplesToFixtures } from './export-shadow-fixtures.ts';

let database: TestDatabase;
let db: Kysely<unknown>;
let out: string;

beforeAll(async () => {
  database = await createTestDatabase('shadow_fixtures');
  db = openTestKysely(database.url, 2);
  await migrateShadowStoreToLatest(db);
  out = mkdtempSync(path.join(tmpdir(), 'shadow-fixtures-'));
  const redactor = createRedactor();
  const at = new Date('2026-04-01T09:15:30.250Z');
  const request = redactor.request({
    method: 'GET',
    path: '/api/athletes/42',
    query: 'include=squad',
    headers: {
      host: 'api.example.test',
      authorization: 'Bearer t',
      'x-tenant-id': 't1',
      connection: 'keep-alive',
    },
    body: Buffer.alloc(0),
    requestId: 'r1',
  });
  const response = (score: number) =>
    redactor.response({
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', date: 'x', 'set-cookie': 'a=1' },
      body: Buffer.from(JSON.stringify({ Id: 42, Score: score, traceId: 'abc' })),
    });
  await createPostgresShadowStore(db).writeBatch({
    minutes: [],
    noise: [],
    groups: [
      {
        routeId: 'athletes-get',
        fingerprint: 'f'.repeat(32),
        paths: [{ path: '$.Score', kind: 'changed' }],
        count: 1,
        firstSeen: at,
        lastSeen: at,
        samples: [
          {
            capturedAt: at,
            request,
            legacy: response(2.34),
            candidate: response(2.35),
            diffs: [{ path: '$.Score', kind: 'changed', legacy: 2.34, new: 2.35 }],
            noise: [{ path: '$.traceId', kind: 'changed', legacy: 'abc', new: 'def' }],
          },
          {
            capturedAt: at,
            request: { ...request, method: 'POST', bodyKind: 'omitted', body: '[body not kept]' },
            legacy: response(1),
            candidate: response(2),
            diffs: [],
            noise: [],
          },
          {
            capturedAt: at,
            request: { ...request, method: 'POST', bodyKind: 'json', body: { Email: REDACTED, Name: 'Ada' } },
            legacy: response(3),
            candidate: response(4),
            diffs: [],
            noise: [],
          },
          {
            capturedAt: at,
            request: { ...request, path: '/api/athletes/43' },
            legacy: { ...response(5), body: { Id: 43, Email: REDACTED, Contacts: [{ Email: REDACTED }] } },
            candidate: response(6),
            diffs: [],
            noise: [],
          },
          {
            capturedAt: at,
            request: { ...request, path: '/api/athletes/44' },
            legacy: { ...response(7), bodyKind: 'omitted', body: '[body not kept: binary body]' },
            candidate: response(8),
            diffs: [],
            noise: [],
          },
        ],
      },
    ],
  });
});

afterAll(async () => {
  rmSync(out, { recursive: true, force: true });
  await db?.destroy();
  await database?.drop();
});

describe('export-shadow-fixtures', () => {
  it('turns stored samples into contract fixtures with legacy’s answer and learned noise as ignores', async () => {
    const samples = await createPostgresShadowStore(db).exportSamples('athletes-get', { limit: 10 });
    const skipped: string[] = [];
    const fixtures = samplesToFixtures(samples, (_sample, reason) => skipped.push(reason));
    // What cannot be replayed faithfully is left out, each with its reason.
    expect(skipped.sort()).toEqual([
      'its request body was not kept',
      'its request carries masked personal data',
      "legacy's response body was not kept",
    ]);
    expect(fixtures).toHaveLength(2);
    const masked = fixtures.find((f) => f.steps[0]?.request.path === '/api/athletes/43?include=squad');
    expect(masked?.steps[0]?.ignore).toEqual([
      {
        path: '$.Contacts[*].Email',
        because: 'masked before storage (personal data): the recorded value is not known',
      },
      { path: '$.Email', because: 'masked before storage (personal data): the recorded value is not known' },
    ]);
    const fixture = fixtures.find((f) => f.steps[0]?.request.path === '/api/athletes/42?include=squad');
    expect(fixture?.route).toBe('athletes-get');
    expect(fixture?.name).toMatch(/^shadow-20260401T091530Z-[0-9a-f]{8}$/);
    expect(fixture?.steps).toEqual([
      {
        request: {
          method: 'GET',
          path: '/api/athletes/42?include=squad',
          headers: { authorization: '[REDACTED]', host: 'api.example.test', 'x-tenant-id': 't1' },
        },
        response: {
          status: 200,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: { Id: 42, Score: 2.34, traceId: 'abc' },
        },
        ignore: [
          {
            path: '$.traceId',
            because: 'learned as noise by shadow comparison: legacy differs from itself here',
          },
        ],
      },
    ]);
  });

  it('writes fixture files that the contract tests can load', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['scripts/export-shadow-fixtures.ts', '--route', 'athletes-get', '--out', out],
      { env: { ...process.env, DATABASE_URL: database.url }, cwd: path.resolve(import.meta.dirname, '..') },
    );
    expect(stdout).toContain('2 fixture(s) from 5 sample(s) of route athletes-get');
    expect(stdout).toContain('its request carries masked personal data');
    const files = readdirSync(path.join(out, 'athletes-get'));
    expect(files).toHaveLength(2);
    const fixture = parseFixture(readFileSync(path.join(out, 'athletes-get', files[0] as string), 'utf8'));
    expect(fixture.steps[0]?.response.status).toBe(200);
  });
});
