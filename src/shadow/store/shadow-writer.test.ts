import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openTestKysely } from '../testing/open-test-kysely.ts';
import { Kysely, PostgresDialect, sql } from 'kysely';
import net from 'node:net';
import pg from 'pg';
import { createSilentLogger } from '../../observability/logger.ts';
import { createMetrics, type Metrics } from '../../observability/metrics.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database.ts';
import { createNoiseModel } from '../noise/noise-model.ts';
import { createPostgresShadowStore } from './postgres-shadow-store.ts';
import { migrateShadowStoreToLatest } from './shadow-migrations.ts';
import type { ShadowSample } from './shadow-store.ts';
import type { ShadowResult } from './result-buffer.ts';
import { createShadowWriter } from './shadow-writer.ts';

let database: TestDatabase;
let db: Kysely<unknown>;
const logger = createSilentLogger();

beforeAll(async () => {
  database = await createTestDatabase('shadow_writer');
  db = openTestKysely(database.url, 2);
  await migrateShadowStoreToLatest(db);
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

function kyselyAt(url: string): Kysely<unknown> {
  return new Kysely<unknown>({
    dialect: new PostgresDialect({
      pool: new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 300 }),
    }),
  });
}

async function dropped(metrics: Metrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.shadowDropped.get()).values) out[String(v.labels.reason)] = v.value;
  return out;
}

const at = new Date('2026-02-01T08:30:15Z');

function sample(n: number): ShadowSample {
  return {
    capturedAt: at,
    request: { method: 'GET', path: `/x/${n}`, query: '', headers: {}, bodyKind: 'empty' },
    legacy: { status: 200, headers: {}, bodyKind: 'text', body: 'x'.repeat(1000) },
    candidate: { status: 500, headers: {}, bodyKind: 'empty' },
    diffs: [{ path: 'status', kind: 'changed', legacy: 200, new: 500 }],
    noise: [],
  };
}

function mismatch(routeId: string, n: number): ShadowResult {
  return {
    routeId,
    at,
    outcome: 'mismatch',
    legacyLatencyMs: 3,
    newLatencyMs: 30,
    group: { fingerprint: 'fp', paths: [{ path: 'status', kind: 'changed' }], sample: sample(n) },
  };
}

describe('shadow writer', () => {
  it('writes buffered results on its timer: counters per minute, groups with capped samples, noise', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const noise = createNoiseModel();
    noise.observeNoise('timer', [{ path: '$.traceId', kind: 'changed', legacy: 'a', new: 'b' }]);
    const writer = createShadowWriter({
      store: createPostgresShadowStore(db),
      metrics,
      logger,
      noise,
      flushIntervalMs: 50,
      samplesPerGroup: 2,
    });
    expect(
      writer.record({ routeId: 'timer', at, outcome: 'match', legacyLatencyMs: 1.5, newLatencyMs: 4 }),
    ).toBe(true);
    for (let i = 0; i < 4; i++) writer.record(mismatch('timer', i));
    const deadline = Date.now() + 5000;
    let rows: { match: number; mismatch: number }[] = [];
    while (rows.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      rows = (
        await sql<{ match: number; mismatch: number }>`
          SELECT match, mismatch FROM strangler.shadow_minute WHERE route_id = 'timer'`.execute(db)
      ).rows;
    }
    await writer.close();
    expect(rows).toEqual([{ match: 1, mismatch: 4 }]);
    const minuteRow = await sql<{ minute: Date; new_latency_buckets: number[] }>`
      SELECT minute, new_latency_buckets FROM strangler.shadow_minute WHERE route_id = 'timer'`.execute(db);
    expect(minuteRow.rows[0]?.minute.toISOString()).toBe('2026-02-01T08:30:00.000Z');
    // 4 ms falls in the (2, 5] bucket, 30 ms in (25, 50].
    expect(minuteRow.rows[0]?.new_latency_buckets).toEqual([0, 0, 1, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0]);
    const group = await sql<{ count: string; sample_count: number }>`
      SELECT count, sample_count FROM strangler.shadow_group WHERE route_id = 'timer'`.execute(db);
    expect(group.rows).toEqual([{ count: '4', sample_count: 2 }]);
    const learned = await sql`SELECT 1 FROM strangler.shadow_noise_field WHERE route_id = 'timer'`.execute(
      db,
    );
    expect(learned.rows).toHaveLength(1);
    expect(await dropped(metrics)).toEqual({});
  });

  it('wants no sample a flush or the store would throw away, and asks the store again later', async () => {
    let clock = 0;
    const writer = createShadowWriter({
      store: createPostgresShadowStore(db, { samplesPerGroup: 3 }),
      metrics: createMetrics({ defaultMetrics: false }),
      logger,
      flushIntervalMs: 60_000,
      samplesPerGroup: 2,
      fullGroupMemoryMs: 1000,
      nowMs: () => clock,
    });
    const fill = () => {
      let kept = 0;
      for (let i = 0; i < 5; i++) {
        if (!writer.wantsSample('wants', 'fp')) continue;
        writer.record(mismatch('wants', i));
        kept += 1;
      }
      return kept;
    };
    // The flush's share per group is 2.
    expect(fill()).toBe(2);
    expect(writer.wantsSample('wants', 'other-group')).toBe(true);
    await writer.flush();
    // The store keeps 3 in all: one more fits, and that write tells the writer the group is full.
    expect(fill()).toBe(2);
    await writer.flush();
    expect(writer.wantsSample('wants', 'fp')).toBe(false);
    clock += 999;
    expect(writer.wantsSample('wants', 'fp')).toBe(false);
    // Later it asks again (retention or QA may have made room); the store still keeps 3.
    clock += 1;
    expect(writer.wantsSample('wants', 'fp')).toBe(true);
    await writer.close();
    const stored = await sql<{ sample_count: number }>`
      SELECT sample_count FROM strangler.shadow_group WHERE route_id = 'wants'`.execute(db);
    expect(stored.rows).toEqual([{ sample_count: 3 }]);
  });

  it('stores why comparisons were skipped or failed, by reason, with the minute they fall in', async () => {
    const writer = createShadowWriter({
      store: createPostgresShadowStore(db),
      metrics: createMetrics({ defaultMetrics: false }),
      logger,
      flushIntervalMs: 60_000,
    });
    writer.record({ routeId: 'why', at, outcome: 'skipped', reason: 'capture-limit' });
    writer.record({ routeId: 'why', at, outcome: 'skipped', reason: 'capture-limit' });
    writer.record({ routeId: 'why', at, outcome: 'error', reason: 'timeout', legacyLatencyMs: 2 });
    writer.record({ routeId: 'why', at, outcome: 'match' });
    await writer.close();
    const counts = await sql<{ skipped: number; error: number; match: number }>`
      SELECT skipped, error, match FROM strangler.shadow_minute WHERE route_id = 'why'`.execute(db);
    expect(counts.rows).toEqual([{ skipped: 2, error: 1, match: 1 }]);
    const reasons = await sql<{ minute: Date; outcome: string; reason: string; count: number }>`
      SELECT minute, outcome, reason, count FROM strangler.shadow_minute_reason WHERE route_id = 'why'
      ORDER BY outcome`.execute(db);
    expect(reasons.rows).toEqual([
      { minute: new Date('2026-02-01T08:30:00Z'), outcome: 'error', reason: 'timeout', count: 1 },
      { minute: new Date('2026-02-01T08:30:00Z'), outcome: 'skipped', reason: 'capture-limit', count: 2 },
    ]);
  });

  it('counts and drops results when the store is down, without throwing to the caller', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = kyselyAt(`postgres://postgres@127.0.0.1:${port}/nowhere`);
    try {
      const writer = createShadowWriter({
        store: createPostgresShadowStore(down),
        metrics,
        logger,
        flushIntervalMs: 60_000,
      });
      for (let i = 0; i < 3; i++) expect(writer.record(mismatch('down', i))).toBe(true);
      await writer.flush();
      expect(await dropped(metrics)).toEqual({ store_unavailable: 3 });
      await writer.close();
    } finally {
      await down.destroy();
    }
  });

  it('stays bounded while a write hangs: results beyond the buffer are dropped and counted', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    // A server that accepts connections and never answers: a store that hangs rather than refuses.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const hung = kyselyAt(`postgres://postgres@127.0.0.1:${(silent.address() as net.AddressInfo).port}/x`);
    try {
      const writer = createShadowWriter({
        store: createPostgresShadowStore(hung),
        metrics,
        logger,
        flushIntervalMs: 60_000,
        maxRecords: 5,
      });
      const accepted = Array.from({ length: 20 }, (_, i) =>
        writer.record({ routeId: 'hung', at, outcome: 'match', legacyLatencyMs: i }),
      );
      // 5 fill the buffer and start a write that hangs; 5 more fill the next buffer; 10 are dropped.
      expect(accepted.filter(Boolean)).toHaveLength(10);
      expect((await dropped(metrics)).store_backlog).toBe(10);
      await writer.close();
      expect((await dropped(metrics)).store_unavailable).toBe(10);
    } finally {
      for (const socket of sockets) socket.destroy();
      await hung.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('drops samples beyond the byte budget but still counts their comparisons', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const writer = createShadowWriter({
      store: createPostgresShadowStore(db),
      metrics,
      logger,
      flushIntervalMs: 60_000,
      maxBytes: 3000,
    });
    for (let i = 0; i < 5; i++) writer.record(mismatch('bytes', i));
    await writer.close();
    expect((await dropped(metrics)).sample_buffer_full).toBe(3);
    const group = await sql<{ count: string; sample_count: number }>`
      SELECT count, sample_count FROM strangler.shadow_group WHERE route_id = 'bytes'`.execute(db);
    expect(group.rows).toEqual([{ count: '5', sample_count: 2 }]);
  });
});
