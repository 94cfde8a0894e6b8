import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';

import { migrateLegacySyncToLatest } from '../../adapters/postgres/sync-migrations.ts';
import { createPostgresLegacyChangeFeed } from '../../adapters/postgres/sync-change-feed.ts';
import { ATHLETE_WITH_ENTRIES } from '../../contract-tests/contract-data.ts';
import { createRoutes } from '../../routes/index.ts';
import { createTokenVerifier } from '../identity/token-verifier.ts';
import { createSilentLogger } from '../observability/logger.ts';
import { createMetrics, type Metrics } from '../observability/metrics.ts';
import { metricValue, request, startProxy, type Proxy } from '../proxy/proxy-test-harness.ts';
import { createRouteTable } from '../routing/route-table.ts';
import { createPostgresReportStore } from '../qa-reports/postgres-report-store.ts';
import { migrateQaReportsToLatest } from '../qa-reports/qa-migrations.ts';
import { routePage } from '../qa-reports/route-page.ts';
import { createChangePoller, type ChangePoller } from '../sync/change-poller.ts';
import { LEGACY_OWNS_ALL } from '../sync/sync-entities.ts';
import { migrateSyncToLatest } from '../sync/sync-migrations.ts';
import { createFakeFlagResolver } from '../testing/fake-flag-resolver.ts';
import { startShadow, type Shadow } from './start-shadow.ts';
import { migrateShadowStoreToLatest } from './store/shadow-migrations.ts';
import { startStandInFixture, type StandInFixture } from './testing/stand-in-fixture.ts';

/*
 * A read shadowed right after a write through legacy, while the real legacy → PostgreSQL sync (change
 * log on the stand-in, change poller) has not carried the write yet: legacy lists the new entry, the new
 * handler does not. The legacy stand-in, the real wellness-list handler and the real poller on real
 * PostgreSQL; the poller is held back for a second, as a busy or slow sync would be.
 */

let fixture: StandInFixture;
let newDb: Kysely<unknown>;
let proxy: Proxy;
let shadow: Shadow;
let poller: ChangePoller;
let metrics: Metrics;
const pools: pg.Pool[] = [];
const logger = createSilentLogger();
const SYNC_HELD_BACK_MS = 1000;

beforeAll(async () => {
  fixture = await startStandInFixture('shadow_sync_lag');
  newDb = fixture.newDb as unknown as Kysely<unknown>;
  // As in production, the shadow store and the sync's tables share the new database (DATABASE_URL).
  await migrateShadowStoreToLatest(newDb);
  await migrateQaReportsToLatest(newDb);
  await migrateSyncToLatest(newDb);
  await migrateLegacySyncToLatest(fixture.legacyDb as unknown as Kysely<unknown>);
  const [newPool, legacyPool] = [fixture.newDatabaseUrl, fixture.legacyDatabaseUrl].map(
    (connectionString) => new pg.Pool({ connectionString, max: 2 }),
  ) as [pg.Pool, pg.Pool];
  pools.push(newPool, legacyPool);
  poller = createChangePoller({
    pool: newPool,
    feed: createPostgresLegacyChangeFeed(legacyPool),
    ownership: LEGACY_OWNS_ALL,
    logger,
  });
  poller.start();

  metrics = createMetrics({ defaultMetrics: false });
  shadow = await startShadow({
    db: newDb,
    legacyUrl: fixture.legacyUrl,
    hostHeader: 'rewrite',
    auth: fixture.auth,
    metrics,
    logger,
    syncWaitMs: 5000,
  });
  proxy = await startProxy({
    legacyUrl: fixture.legacyUrl,
    flags: createFakeFlagResolver({ 'strangler.wellness-list': 'shadow' }),
    extra: {
      routes: createRouteTable(createRoutes({ db: fixture.newDb })),
      observer: shadow.observer,
      verifier: createTokenVerifier(fixture.auth),
      metrics,
      logger,
    },
  });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await shadow?.close();
  await poller?.stop();
  await Promise.all(pools.map((pool) => pool.end()));
  await fixture?.close();
});

const headers = () => ({ 'x-tenant-id': 'tenant-sync-lag', authorization: fixture.authorization });
const wellnessPath = `/api/athletes/${ATHLETE_WITH_ENTRIES}/wellness`;

/** Creates an entry through legacy, with the sync held back, then reads the list through the proxy. */
async function writeThenReadWhileSyncHeldBack(entryDate: string): Promise<void> {
  await poller.stop();
  const created = await request(fixture.legacyUrl, {
    method: 'POST',
    path: wellnessPath,
    headers: { ...headers(), 'content-type': 'application/json' },
    body: JSON.stringify({ EntryDate: entryDate, Sleep: 4, Soreness: 2, Fatigue: 2, Stress: 3, Mood: 4 }),
  });
  expect(created.status).toBe(201);
  const list = await request(proxy.url, { path: wellnessPath, headers: headers() });
  expect(list.status).toBe(200);
  // Clients get legacy's list, the new entry in it.
  expect(list.body.toString()).toContain(entryDate);
  setTimeout(() => poller.start(), SYNC_HELD_BACK_MS);
}

async function outcomes(): Promise<Record<string, number>> {
  const count = (outcome: string) =>
    metricValue(metrics, 'strangler_shadow_comparisons_total', { route: 'wellness-list', outcome });
  const names = ['match', 'mismatch', 'noise', 'sync-lag', 'error', 'skipped'];
  const values = await Promise.all(names.map(count));
  return Object.fromEntries(names.map((name, i) => [name, values[i] ?? 0]));
}

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a shadowed read while the sync carries a write', () => {
  it('is re-checked once the sync has caught up, and recorded as sync-lag, not as a mismatch', async () => {
    await writeThenReadWhileSyncHeldBack('2026-11-20');
    const counted = await eventually(async () => {
      const o = await outcomes();
      return o['sync-lag']! + o.mismatch! + o.match! > 0 ? o : undefined;
    });
    expect(counted).toMatchObject({ 'sync-lag': 1, mismatch: 0, match: 0, error: 0 });
  }, 30_000);

  it('still counts a difference that persists after the sync caught up as a mismatch', async () => {
    // A real difference on the new side that no sync will remove, next to one the sync removes.
    await sql`UPDATE wellness_entries SET notes = 'Felt blunt' WHERE notes = 'Felt sharp'`.execute(newDb);
    await writeThenReadWhileSyncHeldBack('2026-11-21');
    const counted = await eventually(async () => {
      const o = await outcomes();
      return o.mismatch! > 0 ? o : undefined;
    });
    expect(counted).toMatchObject({ 'sync-lag': 1, mismatch: 1, error: 0 });

    await shadow.close();
    const minutes = await sql<{ mismatch: number; sync_lag: number }>`
      SELECT sum(mismatch)::int AS mismatch, sum(sync_lag)::int AS sync_lag
      FROM strangler.shadow_minute WHERE route_id = 'wellness-list'`.execute(newDb);
    expect(minutes.rows[0]).toEqual({ mismatch: 1, sync_lag: 1 });
    // The group is the persistent difference alone: the entry the sync brought is in both lists by then.
    const groups = await sql<{ paths: unknown }>`
      SELECT paths FROM strangler.shadow_group WHERE route_id = 'wellness-list'`.execute(newDb);
    expect(groups.rows).toEqual([{ paths: [{ path: '$[*].Notes', kind: 'changed' }] }]);
  }, 30_000);

  it('shows the sync-lag count on the route page, apart from the mismatches, as comparisons that agreed', async () => {
    const window = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) };
    const stats = (await createPostgresReportStore(newDb).routeStats(['wellness-list'], window)).get(
      'wellness-list',
    );
    expect(stats).toMatchObject({ compared: 2, syncLag: 1, mismatch: 1, matchRate: 0.5 });
    const html = routePage(
      {
        ...{ routeId: 'wellness-list', methods: ['GET'], path: wellnessPath, mode: 'shadow' },
        ...{ stats, series: [], groups: [], rules: [], status: undefined },
      },
      { key: '24h', window },
      { actor: 'qa', role: 'qa', csrf: 'token' },
    );
    expect(html).toMatch(/data-outcome="sync-lag"\s*>1 <code>sync-lag<\/code>/);
  });
});
