import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { createPostgresShadowStore } from '../shadow/store/postgres-shadow-store.ts';
import { migrateShadowStoreToLatest } from '../shadow/store/shadow-migrations.ts';
import type { GroupUpdate, MinuteCounts, ShadowSample } from '../shadow/store/shadow-store.ts';
import { LATENCY_BUCKET_BOUNDS_MS } from '../shadow/store/shadow-tables.ts';
import { ConflictError } from './conflict-error.ts';
import { createPostgresReportStore } from './postgres-report-store.ts';
import { migrateQaReportsDown, migrateQaReportsToLatest } from './qa-migrations.ts';
import type { ReportStore } from './report-store.ts';

let testDb: TestDatabase;
let db: Kysely<unknown>;
let store: ReportStore;
const qa = { name: 'Quinn', role: 'qa' } as const;
const operator = { name: 'Olive', role: 'operator' } as const;
const t0 = new Date('2026-11-21T10:00:00Z');
const window = { from: new Date('2026-11-21T09:00:00Z'), to: new Date('2026-11-21T12:00:00Z') };

function histogram(bucket: number, n: number): number[] {
  const h = new Array<number>(LATENCY_BUCKET_BOUNDS_MS.length + 1).fill(0);
  h[bucket] = n;
  return h;
}

// 10 compared in minute t0: 6 match, 1 noise-only, 3 mismatches; 1 error. Legacy 5–10 ms, new 2–5 ms.
const minute: MinuteCounts = {
  routeId: 'athletes-get',
  minute: t0,
  counts: { match: 6, mismatch: 3, noise: 1, error: 1, skipped: 0 },
  legacyBuckets: histogram(3, 10),
  newBuckets: histogram(2, 10),
  legacySumMs: 85,
  newSumMs: 35,
  reasons: [{ outcome: 'error', reason: 'timeout', count: 1 }],
};

function sample(at: Date, legacyScore: number, newScore: number): ShadowSample {
  return {
    capturedAt: at,
    request: {
      method: 'GET',
      path: '/api/athletes/1',
      query: '',
      headers: { accept: 'application/json' },
      bodyKind: 'empty',
    },
    legacy: { status: 200, headers: {}, bodyKind: 'json', body: { items: [{}, {}, { score: legacyScore }] } },
    candidate: { status: 200, headers: {}, bodyKind: 'json', body: { items: [{}, {}, { score: newScore }] } },
    diffs: [{ path: '$.items[2].score', kind: 'changed', legacy: legacyScore, new: newScore }],
    noise: [{ path: '$.traceId', kind: 'changed', legacy: 'a', new: 'b' }],
  };
}

const scoreGroup: GroupUpdate = {
  routeId: 'athletes-get',
  fingerprint: 'fp-score',
  paths: [{ path: '$.items[*].score', kind: 'changed' }],
  count: 3,
  firstSeen: t0,
  lastSeen: new Date(t0.getTime() + 120_000),
  samples: [
    sample(t0, 7.5, 7.4),
    {
      ...sample(new Date(t0.getTime() + 60_000), 7.5, 7.4),
      caller: { subject: 'coach-1', organisationId: 'org-1' },
    },
  ],
};

beforeAll(async () => {
  testDb = await createTestDatabase('qa_store');
  db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: testDb.url, max: 4 }) }),
  });
  await migrateShadowStoreToLatest(db);
  await migrateQaReportsToLatest(db);
  store = createPostgresReportStore(db);
  await createPostgresShadowStore(db).writeBatch({ minutes: [minute], groups: [scoreGroup], noise: [] });
});

afterAll(async () => {
  await db?.destroy();
  if (testDb !== undefined) await testDb.drop();
});

describe('PostgreSQL report store', () => {
  it('computes the match rate with noise-only comparisons counted as agreeing and errors left out', async () => {
    const stats = (await store.routeStats(['athletes-get', 'never-compared'], window)).get('athletes-get');
    expect(stats).toMatchObject({ total: 11, match: 6, noise: 1, mismatch: 3, error: 1, openGroups: 1 });
    expect(stats?.matchRate).toBeCloseTo(7 / 10);
    expect((await store.routeStats(['never-compared'], window)).get('never-compared')?.matchRate).toBeNull();
  });

  it('says why comparisons did not complete, most frequent reason first, within the window', async () => {
    const shadowStore = createPostgresShadowStore(db);
    const later = new Date(t0.getTime() + 60_000);
    const outside = new Date(window.to.getTime() + 60_000);
    await shadowStore.writeBatch({
      minutes: [
        {
          ...minute,
          routeId: 'reasons',
          minute: later,
          counts: { match: 0, mismatch: 0, noise: 0, error: 1, skipped: 3 },
          reasons: [
            { outcome: 'skipped', reason: 'capture-limit', count: 3 },
            { outcome: 'error', reason: 'new-failed', count: 1 },
          ],
        },
        {
          ...minute,
          routeId: 'reasons',
          minute: outside,
          reasons: [{ outcome: 'error', reason: 'legacy-failed', count: 5 }],
        },
      ],
      groups: [],
      noise: [],
    });
    const stats = (await store.routeStats(['reasons', 'athletes-get'], window)).get('reasons');
    expect(stats?.notCompared).toEqual([
      { outcome: 'skipped', reason: 'capture-limit', count: 3 },
      { outcome: 'error', reason: 'new-failed', count: 1 },
    ]);
    expect((await store.routeStats(['athletes-get'], window)).get('athletes-get')?.notCompared).toEqual([
      { outcome: 'error', reason: 'timeout', count: 1 },
    ]);
  });

  it('estimates legacy and new latency percentiles from the per-minute histograms', async () => {
    const latency = (await store.routeStats(['athletes-get'], window)).get('athletes-get')?.latency;
    // legacy all in the (5, 10] bucket; new all in (2, 5].
    expect(latency?.legacyP50Ms).toBeGreaterThan(5);
    expect(latency?.legacyP99Ms).toBeLessThanOrEqual(10);
    expect(latency?.newP50Ms).toBeGreaterThan(2);
    expect(latency?.newP99Ms).toBeLessThanOrEqual(5);
  });

  it('reads diff groups with collapsed paths, count, first/last seen, and their samples', async () => {
    const groups = await store.listGroups('athletes-get', { window });
    expect(groups).toHaveLength(1);
    const g = groups[0];
    expect(g).toMatchObject({
      count: 3,
      status: 'open',
      paths: [{ path: '$.items[*].score', kind: 'changed' }],
    });
    expect(g?.firstSeen.toISOString()).toBe('2026-11-21T10:00:00.000Z');
    expect(g?.lastSeen.toISOString()).toBe('2026-11-21T10:02:00.000Z');
    const samples = await store.listSamples(g?.id ?? '', 10);
    expect(samples).toHaveLength(2);
    const sample = await store.getSample(samples[0]?.id ?? '');
    expect(sample?.diffs[0]?.path).toBe('$.items[2].score');
    expect(sample?.noise[0]?.path).toBe('$.traceId');
    expect(sample?.legacy.body).toEqual({ items: [{}, {}, { score: 7.5 }] });
  });

  it("reads a sample's caller, and null for a sample stored without one", async () => {
    const g = (await store.listGroups('athletes-get', { window }))[0];
    const [newest, oldest] = await store.listSamples(g?.id ?? '', 10);
    expect((await store.getSample(newest?.id ?? ''))?.caller).toEqual({
      subject: 'coach-1',
      organisationId: 'org-1',
    });
    expect((await store.getSample(oldest?.id ?? ''))?.caller).toBeNull();
  });

  it('buckets the match rate over time, leaving empty buckets without a rate', async () => {
    const series = await store.matchRateSeries('athletes-get', window, 6);
    expect(series).toHaveLength(6);
    const withData = series.filter((p) => p.matchRate !== null);
    expect(withData).toHaveLength(1);
    expect(withData[0]?.compared).toBe(10);
  });

  it('accepting a group creates an active rule with who and why, once, and audits it', async () => {
    const group = (await store.listGroups('athletes-get', { window }))[0];
    const ignoreScore = { reason: 'rounding changed on purpose', equivalence: 'ignore-member' } as const;
    const rule = await store.acceptGroup(group?.id ?? '', ignoreScore, qa);
    expect(rule).toMatchObject({ routeId: 'athletes-get', paths: ['$.items[*].score'], createdBy: 'Quinn' });
    await expect(
      store.acceptGroup(group?.id ?? '', { ...ignoreScore, reason: 'again' }, qa),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await store.loadAcceptedRules('athletes-get')).toEqual({
      differences: [{ path: '$.items[*].score', kind: 'changed', equivalence: 'ignore-member' }],
      fingerprints: [],
    });
    expect((await store.loadAllAcceptedRules()).get('athletes-get')).toEqual(
      await store.loadAcceptedRules('athletes-get'),
    );
    expect((await store.getGroup(group?.id ?? ''))?.status).toBe('accepted');
    expect(await store.listGroups('athletes-get', { window, status: 'open' })).toHaveLength(0);
    const audit = await store.auditLog({ routeId: 'athletes-get', limit: 10 });
    expect(audit[0]).toMatchObject({ action: 'group.accept', actor: 'Quinn', role: 'qa', ruleId: rule.id });
  });

  it('revoking a rule stops it applying, reopens the group, keeps the history and cannot happen twice', async () => {
    const rule = (await store.activeRules('athletes-get'))[0];
    const revoked = await store.revokeRule(rule?.id ?? '', 'fix shipped', operator);
    expect(revoked).toMatchObject({ revokedBy: 'Olive', revokeReason: 'fix shipped' });
    expect(await store.activeRules('athletes-get')).toHaveLength(0);
    expect(await store.loadAcceptedRules('athletes-get')).toEqual({ differences: [], fingerprints: [] });
    expect((await store.getGroup(rule?.groupId ?? ''))?.status).toBe('open');
    await expect(store.revokeRule(rule?.id ?? '', 'again', operator)).rejects.toBeInstanceOf(ConflictError);
  });

  it('marks a group as a defect with a note and link, audited', async () => {
    const group = (await store.listGroups('athletes-get', { window }))[0];
    const updated = await store.markDefect(
      group?.id ?? '',
      'half-up rounding',
      'https://issues.example/42',
      qa,
    );
    expect(updated).toMatchObject({
      status: 'defect',
      statusNote: 'half-up rounding',
      statusLink: 'https://issues.example/42',
      statusBy: 'Quinn',
    });
    expect((await store.auditLog({ limit: 1 }))[0]?.action).toBe('group.defect');
  });

  it('deleting a group removes its samples and leaves an audit entry describing it', async () => {
    const group = (await store.listGroups('athletes-get', { window }))[0];
    await store.deleteGroup(group?.id ?? '', 'noise from a bad deploy', operator);
    expect(await store.getGroup(group?.id ?? '')).toBeUndefined();
    expect(await store.listSamples(group?.id ?? '', 10)).toEqual([]);
    const entry = (await store.auditLog({ limit: 1 }))[0];
    expect(entry).toMatchObject({
      action: 'group.delete',
      actor: 'Olive',
      detail: { samplesDeleted: 2, fingerprint: 'fp-score' },
    });
  });

  it('answers unknown or malformed ids with nothing rather than a database error', async () => {
    expect(await store.getGroup('not-a-uuid')).toBeUndefined();
    expect(await store.getSample('00000000-0000-0000-0000-000000000000')).toBeUndefined();
  });

  it('migrates down and up again', async () => {
    await migrateQaReportsDown(db);
    await migrateQaReportsToLatest(db);
    expect(await store.auditLog({ limit: 5 })).toEqual([]);
  });
});
