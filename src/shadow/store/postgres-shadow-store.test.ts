import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openTestKysely } from '../testing/open-test-kysely.ts';
import { Kysely, sql } from 'kysely';
import { migrateQaReportsToLatest } from '../../qa-reports/qa-migrations.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database.ts';
import type { RouteNoise } from '../noise/noise-model.ts';
import { migrateShadowStoreDown, migrateShadowStoreToLatest } from './shadow-migrations.ts';
import { createPostgresShadowStore } from './postgres-shadow-store.ts';
import { toJsonb } from './to-jsonb.ts';
import type { GroupUpdate, MinuteCounts, ShadowSample } from './shadow-store.ts';
import { LATENCY_BUCKET_BOUNDS_MS } from './shadow-tables.ts';

let database: TestDatabase;
let db: Kysely<unknown>;

beforeAll(async () => {
  database = await createTestDatabase('shadow_store');
  db = openTestKysely(database.url, 3);
  await migrateShadowStoreToLatest(db);
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

const minute = new Date('2026-01-01T10:00:00Z');
const zeros = () => new Array<number>(LATENCY_BUCKET_BOUNDS_MS.length + 1).fill(0);

function minuteCounts(routeId: string, overrides: Partial<MinuteCounts> = {}): MinuteCounts {
  const legacyBuckets = zeros();
  legacyBuckets[2] = 3;
  return {
    routeId,
    minute,
    counts: { match: 5, mismatch: 2, noise: 1, error: 1, skipped: 1 },
    legacyBuckets,
    newBuckets: zeros(),
    legacySumMs: 12.5,
    newSumMs: 0,
    ...overrides,
  };
}

function sample(n: number, at = minute): ShadowSample {
  return {
    capturedAt: at,
    request: { method: 'GET', path: `/api/x/${n}`, query: '', headers: {}, bodyKind: 'empty' },
    legacy: { status: 200, headers: {}, bodyKind: 'json', body: { n, text: 'nul\u0000here' } },
    candidate: { status: 200, headers: {}, bodyKind: 'json', body: { n: n + 1 } },
    diffs: [{ path: '$.n', kind: 'changed', legacy: n, new: n + 1 }],
    noise: [],
  };
}

function group(routeId: string, fingerprint: string, samples: number, at = minute): GroupUpdate {
  return {
    routeId,
    fingerprint,
    paths: [{ path: '$.n', kind: 'changed' }],
    count: samples + 1,
    firstSeen: at,
    lastSeen: at,
    samples: Array.from({ length: samples }, (_, i) => sample(i, at)),
  };
}

describe('shadow store migrations', () => {
  it('go down and up again, and coexist with QA reports’ copy of the report tables in either order', async () => {
    await migrateShadowStoreDown(db);
    const tables = async () =>
      (
        await sql<{ table_name: string }>`
          SELECT table_name FROM information_schema.tables
          WHERE table_schema = 'strangler' AND table_name LIKE 'shadow_%' AND table_name NOT LIKE '%migration%'
          ORDER BY table_name`.execute(db)
      ).rows.map((r) => r.table_name);
    expect(await tables()).toEqual([]);
    await migrateQaReportsToLatest(db);
    await migrateShadowStoreToLatest(db);
    expect(await tables()).toEqual([
      'shadow_group',
      'shadow_group_minute',
      'shadow_minute',
      'shadow_minute_reason',
      'shadow_noise_field',
      'shadow_noise_route',
      'shadow_sample',
    ]);
  });
});

describe('postgres shadow store', () => {
  it('adds per-minute counters, latency histograms and sums across batches', async () => {
    const store = createPostgresShadowStore(db);
    await store.writeBatch({ minutes: [minuteCounts('counters')], groups: [], noise: [] });
    const newBuckets = zeros();
    newBuckets[13] = 1;
    await store.writeBatch({
      minutes: [minuteCounts('counters', { newBuckets, newSumMs: 20_000 })],
      groups: [],
      noise: [],
    });
    const row = await sql<Record<string, unknown>>`
      SELECT * FROM strangler.shadow_minute WHERE route_id = 'counters'`.execute(db);
    expect(row.rows).toHaveLength(1);
    expect(row.rows[0]).toMatchObject({
      match: 10,
      mismatch: 4,
      noise: 2,
      error: 2,
      skipped: 2,
      legacy_latency_sum_ms: 25,
      new_latency_sum_ms: 20_000,
    });
    expect((row.rows[0]?.legacy_latency_buckets as number[])[2]).toBe(6);
    expect((row.rows[0]?.new_latency_buckets as number[])[13]).toBe(1);
  });

  it('groups by fingerprint and keeps no more samples per group than the cap, across batches', async () => {
    const store = createPostgresShadowStore(db, { samplesPerGroup: 5 });
    const later = new Date(minute.getTime() + 60_000);
    expect(
      await store.writeBatch({
        minutes: [],
        groups: [group('groups', 'fp-a', 3), group('groups', 'fp-b', 1)],
        noise: [],
      }),
    ).toEqual({ fullGroups: [] });
    // fp-a reaches the cap with this batch: the writer is told to stop collecting its samples.
    expect(
      await store.writeBatch({ minutes: [], groups: [group('groups', 'fp-a', 4, later)], noise: [] }),
    ).toEqual({ fullGroups: [{ routeId: 'groups', fingerprint: 'fp-a' }] });
    const groups = await sql<{ fingerprint: string; count: string; sample_count: number; last_seen: Date }>`
      SELECT fingerprint, count, sample_count, last_seen FROM strangler.shadow_group
      WHERE route_id = 'groups' ORDER BY fingerprint`.execute(db);
    expect(groups.rows.map((g) => [g.fingerprint, Number(g.count), g.sample_count])).toEqual([
      ['fp-a', 9, 5],
      ['fp-b', 2, 1],
    ]);
    expect(groups.rows[0]?.last_seen.getTime()).toBe(later.getTime());
    const stored = await store.exportSamples('groups', { limit: 100 });
    expect(stored).toHaveLength(6);
    // PostgreSQL's JSON types cannot hold U+0000; the sample is stored with a replacement character.
    expect(JSON.stringify(stored[0]?.legacy.body)).toContain('nul\ufffdhere');
  });

  it('keeps the member order of stored bodies (the routes compare it; jsonb would sort members)', async () => {
    const store = createPostgresShadowStore(db);
    // jsonb would store these shortest name first: Id, Score, LastName, FirstName, DateOfBirth.
    const body = { LastName: 'Doe', FirstName: 'Jane', Id: 1, DateOfBirth: '1990-01-01', Score: 2.5 };
    const ordered: ShadowSample = {
      ...sample(0),
      legacy: { status: 200, headers: {}, bodyKind: 'json', body },
      candidate: { status: 200, headers: {}, bodyKind: 'json', body: { ...body, Score: 2.6 } },
    };
    await store.writeBatch({
      minutes: [],
      groups: [{ ...group('member-order', 'fp', 0), samples: [ordered] }],
      noise: [],
    });
    const [stored] = await store.exportSamples('member-order', { limit: 1 });
    expect(Object.keys(stored?.legacy.body as object)).toEqual(Object.keys(body));
    expect(Object.keys(stored?.candidate.body as object)).toEqual(Object.keys(body));
  });

  it('keeps learned noise counts and loads them back, the most observed fields first', async () => {
    const store = createPostgresShadowStore(db);
    const noise: RouteNoise = {
      routeId: 'noisy',
      rawTotal: 10,
      noiseTotal: 4,
      fields: [
        { field: '$.traceId', rawDifferences: 10, noiseDifferences: 4 },
        { field: '$.Score', rawDifferences: 3, noiseDifferences: 0 },
      ],
    };
    await store.writeBatch({ minutes: [], groups: [], noise: [noise] });
    await store.writeBatch({ minutes: [], groups: [], noise: [noise] });
    const loaded = (await store.loadNoise()).find((n) => n.routeId === 'noisy');
    expect(loaded).toEqual({
      routeId: 'noisy',
      rawTotal: 20,
      noiseTotal: 8,
      fields: [
        { field: '$.traceId', rawDifferences: 20, noiseDifferences: 8 },
        { field: '$.Score', rawDifferences: 6, noiseDifferences: 0 },
      ],
    });
  });

  it('adds the reasons of skipped and failed comparisons per minute across batches', async () => {
    const store = createPostgresShadowStore(db);
    const reasons: MinuteCounts['reasons'] = [
      { outcome: 'skipped', reason: 'capture-limit', count: 3 },
      { outcome: 'error', reason: 'timeout', count: 1 },
    ];
    await store.writeBatch({ minutes: [minuteCounts('why', { reasons })], groups: [], noise: [] });
    await store.writeBatch({
      minutes: [minuteCounts('why', { reasons: [{ outcome: 'error', reason: 'timeout', count: 2 }] })],
      groups: [],
      noise: [],
    });
    const rows = await sql<{ outcome: string; reason: string; count: number }>`
      SELECT outcome, reason, count FROM strangler.shadow_minute_reason WHERE route_id = 'why'
      ORDER BY outcome, reason`.execute(db);
    expect(rows.rows).toEqual([
      { outcome: 'error', reason: 'timeout', count: 3 },
      { outcome: 'skipped', reason: 'capture-limit', count: 3 },
    ]);
  });

  it('writes a batch all or nothing', async () => {
    const store = createPostgresShadowStore(db);
    const bad = { ...group('atomic', 'fp', 1), fingerprint: null as unknown as string };
    await expect(
      store.writeBatch({ minutes: [minuteCounts('atomic')], groups: [bad], noise: [] }),
    ).rejects.toThrow();
    const rows = await sql`SELECT 1 FROM strangler.shadow_minute WHERE route_id = 'atomic'`.execute(db);
    expect(rows.rows).toHaveLength(0);
  });

  it('retention deletes old rows in batches, keeps groups QA decided on, and frees sample slots', async () => {
    const store = createPostgresShadowStore(db, { samplesPerGroup: 10 });
    const old = new Date('2025-01-01T00:00:00Z');
    const recent = new Date('2026-06-01T00:00:00Z');
    await store.writeBatch({
      minutes: [
        minuteCounts('retention', {
          minute: old,
          reasons: [
            { outcome: 'skipped', reason: 'capture-limit', count: 1 },
            { outcome: 'error', reason: 'timeout', count: 1 },
            { outcome: 'error', reason: 'new-failed', count: 1 },
          ],
        }),
        minuteCounts('retention', {
          minute: recent,
          reasons: [{ outcome: 'skipped', reason: 'capture-limit', count: 2 }],
        }),
      ],
      groups: [
        group('retention', 'old-open', 3, old),
        group('retention', 'old-defect', 2, old),
        group('retention', 'mixed', 4, old),
      ],
      noise: [],
    });
    await store.writeBatch({ minutes: [], groups: [group('retention', 'mixed', 1, recent)], noise: [] });
    await sql`UPDATE strangler.shadow_group SET status = 'defect' WHERE fingerprint = 'old-defect'`.execute(
      db,
    );

    const result = await store.deleteExpired({ olderThan: new Date('2026-01-01T00:00:00Z'), batchSize: 2 });
    expect(result).toEqual({ samples: 9, minutes: 1, groups: 1 });
    const groups = await sql<{ fingerprint: string; sample_count: number }>`
      SELECT fingerprint, sample_count FROM strangler.shadow_group WHERE route_id = 'retention'
      ORDER BY fingerprint`.execute(db);
    expect(groups.rows).toEqual([
      { fingerprint: 'mixed', sample_count: 1 },
      { fingerprint: 'old-defect', sample_count: 0 },
    ]);
    const minutes = await sql`SELECT 1 FROM strangler.shadow_minute WHERE route_id = 'retention'`.execute(db);
    expect(minutes.rows).toHaveLength(1);
    // The old minute's three reason rows went too (in batches of 2); the recent one's stayed.
    const reasons = await sql<{ count: number }>`
      SELECT count FROM strangler.shadow_minute_reason WHERE route_id = 'retention'`.execute(db);
    expect(reasons.rows).toEqual([{ count: 2 }]);
  });
});

describe('toJsonb', () => {
  it('replaces NUL escapes but not an escaped backslash followed by u0000', () => {
    expect(toJsonb({ a: 'x\u0000y', b: '\\u0000' })).toBe('{"a":"x\\ufffdy","b":"\\\\u0000"}');
  });

  it('replaces unpaired surrogates, keeps paired ones, and the result casts to jsonb', async () => {
    const text = toJsonb({ high: 'a\ud800b', low: '\udc00', pair: '\ud83d\ude00' });
    expect(JSON.parse(text)).toEqual({ high: 'a\ufffdb', low: '\ufffd', pair: '\ud83d\ude00' });
    const cast = await sql<{ value: unknown }>`SELECT ${text}::jsonb AS value`.execute(db);
    expect(cast.rows[0]?.value).toEqual({ high: 'a\ufffdb', low: '\ufffd', pair: '😀' });
  });
});
