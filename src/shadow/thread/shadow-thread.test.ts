import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql, type Kysely } from 'kysely';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { NewDatabase } from '../../../adapters/schema.ts';
import { ATHLETE_WITH_ENTRIES } from '../../../contract-tests/contract-data.ts';
import { createAppRoutes, SHADOW_THREAD_WORKER } from '../../app-routes.ts';
import { createTokenVerifier } from '../../identity/token-verifier.ts';
import type { ShadowThreadPriority } from './shadow-thread.ts';
import { createLogger } from '../../observability/logger.ts';
import { createMetrics } from '../../observability/metrics.ts';
import { request, startProxy, type Proxy } from '../../proxy/proxy-test-harness.ts';
import { createRouteTable } from '../../routing/route-table.ts';
import { createFakeFlagResolver } from '../../testing/fake-flag-resolver.ts';
import { startStandInFixture, type StandInFixture } from '../testing/stand-in-fixture.ts';
import { startShadowThread, type ShadowThread } from './shadow-thread.ts';
import { misbehavingRoutes } from './testing/thread-test-routes.ts';

/*
 * The shadow side on its own thread, end to end: the legacy stand-in and the application's real
 * handlers, the shadow thread building its own route records from a routes module, comparisons
 * written to PostgreSQL by the thread and counted in the proxy's metrics registry.
 */

let fixture: StandInFixture;
let newDb: Kysely<NewDatabase>;
let proxyDb: Kysely<unknown>;
let legacyUrl: URL;
const logLines: string[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  },
});

beforeAll(async () => {
  fixture = await startStandInFixture('shadow_thread');
  ({ newDb, proxyDb, legacyUrl } = fixture);
}, 60_000);

afterAll(async () => {
  await fixture?.close();
});

interface Running {
  readonly proxy: Proxy;
  readonly thread: ShadowThread;
  readonly metrics: ReturnType<typeof createMetrics>;
}

async function start(
  flags: Parameters<typeof createFakeFlagResolver>[0],
  extra: {
    tuning?: { concurrency?: number; queueLimit?: number };
    closeTimeoutMs?: number;
    priority?: ShadowThreadPriority;
  } = {},
): Promise<Running> {
  // Normal priority unless a test asks: with both cores busy (two jest workers) an idle-priority thread
  // gets almost no CPU, and these tests wait for its comparisons.
  const { tuning, closeTimeoutMs, priority = 0 } = extra;
  const metrics = createMetrics({ defaultMetrics: false });
  const logger = createLogger('info', logStream);
  const thread = await startShadowThread({
    worker: SHADOW_THREAD_WORKER,
    options: {
      routes: {
        module: new URL('./testing/thread-test-routes.ts', import.meta.url).href,
        options: { databaseUrl: fixture.newDatabaseUrl },
      },
      databaseUrl: fixture.proxyDatabaseUrl,
      legacyUrl,
      hostHeader: 'rewrite',
      auth: fixture.auth,
      metricsIntervalMs: 20,
      shadow: { exchangeWaitMs: 10_000, ...tuning },
      priority,
    },
    metrics,
    logger,
    restartDelayMs: 100,
    ...(closeTimeoutMs === undefined ? {} : { closeTimeoutMs }),
  });
  const proxy = await startProxy({
    legacyUrl,
    flags: createFakeFlagResolver(flags),
    extra: {
      routes: createRouteTable([...createAppRoutes(newDb, false), ...misbehavingRoutes()]),
      observer: thread.observer,
      // The proxy verifies callers against the thread's issuer: without one it keeps such routes on legacy.
      verifier: createTokenVerifier(fixture.auth),
      metrics,
      logger,
    },
  });
  return { proxy, thread, metrics };
}

async function stop(running: Running): Promise<void> {
  await running.proxy.close();
  await running.thread.close();
}

async function outcomes(metrics: Running['metrics'], route: string): Promise<Record<string, number>> {
  const values = (await metrics.shadowComparisons.get()).values.filter((v) => v.labels.route === route);
  return Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
}

async function dropped(metrics: Running['metrics']): Promise<number> {
  return (await metrics.shadowDropped.get()).values.reduce((sum, v) => sum + v.value, 0);
}

describe('the shadow side on its own thread', () => {
  it('compares reads with the real handlers, writes the results to PostgreSQL and counts them in the proxy', async () => {
    const running = await start({ 'strangler.wellness-list': 'shadow' });
    try {
      const path = `/api/athletes/${ATHLETE_WITH_ENTRIES}/wellness`;
      const headers = { authorization: fixture.authorization };
      const direct = await request(legacyUrl, { path, headers });
      for (let i = 0; i < 5; i++) {
        const response = await request(running.proxy.url, { path, headers });
        // The client gets legacy's answer, byte for byte.
        expect(response.status).toBe(200);
        expect(response.body.equals(direct.body)).toBe(true);
      }
      await running.thread.observer.idle();
      expect(await outcomes(running.metrics, 'wellness-list')).toEqual({ match: 5 });
      const latency = (await running.metrics.shadowLatency.get()).values.filter(
        (v) =>
          v.metricName === 'strangler_shadow_latency_seconds_count' && v.labels.route === 'wellness-list',
      );
      expect(latency.map((v) => [v.labels.side, v.value]).sort()).toEqual([
        ['legacy', 5],
        ['new', 5],
      ]);
    } finally {
      await stop(running);
    }
    // Closing the thread wrote what it had buffered.
    const counts = await sql<{ match: number }>`
      SELECT sum(match)::int AS match FROM strangler.shadow_minute
      WHERE route_id = 'wellness-list'`.execute(proxyDb);
    expect(counts.rows[0]?.match).toBe(5);
  });

  it('runs a write in shadow mode as a dry run on the thread: compared, and no row left behind', async () => {
    const running = await start({ 'strangler.wellness-create': 'shadow' });
    try {
      const entry = { EntryDate: '2026-10-30', Sleep: 4, Soreness: 2, Fatigue: 2, Stress: 3, Mood: 4 };
      const response = await request(running.proxy.url, {
        method: 'POST',
        path: `/api/athletes/${ATHLETE_WITH_ENTRIES}/wellness`,
        headers: { 'content-type': 'application/json', authorization: fixture.authorization },
        body: JSON.stringify(entry),
      });
      expect(response.status).toBe(201);
      await running.thread.observer.idle();
      const recorded = await outcomes(running.metrics, 'wellness-create');
      expect(Object.values(recorded).reduce((a, b) => a + b, 0)).toBe(1);
      expect(recorded.error).toBeUndefined();
      const rows = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM wellness_entries WHERE entry_date = '2026-10-30'`.execute(newDb);
      expect(rows.rows[0]?.n).toBe(0);
    } finally {
      await stop(running);
    }
  });

  it('stops capturing once the thread is full and counts the drops; the clients are served all the same', async () => {
    const running = await start(
      { 'strangler.thread-hang': 'shadow' },
      { tuning: { concurrency: 1, queueLimit: 1 }, closeTimeoutMs: 500 },
    );
    try {
      for (let i = 0; i < 6; i++) {
        const response = await request(running.proxy.url, { path: '/api/thread/hang' });
        // Legacy (the stand-in) has no such path: its 404 reaches the client, unchanged by the shadow side.
        expect(response.status).toBe(404);
      }
      // One call hangs, one waits in the queue; the proxy stopped capturing the others.
      expect(await dropped(running.metrics)).toBeGreaterThanOrEqual(4);
      // Counted on the proxy's thread, the drops reach the shadow thread's writer and the store, for QA.
      await waitFor(async () => {
        const rows = await sql<{ n: number | null }>`
          SELECT sum(count)::int AS n FROM strangler.shadow_minute_reason
          WHERE route_id = 'thread-hang' AND outcome = 'dropped' AND reason = 'queue-full'`.execute(proxyDb);
        return (rows.rows[0]?.n ?? 0) >= 4;
      });
      expect(logLines.some((line) => line.includes('terminated'))).toBe(false);
    } finally {
      // The hung call would hold the thread's close for its 60 s timeout: close gives up after 500 ms.
      await stop(running);
    }
    expect(logLines.some((line) => line.includes('shadow thread did not finish in time; terminated'))).toBe(
      true,
    );
  }, 30_000);

  it('replaces a thread that died, and shadowing goes on', async () => {
    const running = await start({ 'strangler.thread-exit': 'shadow', 'strangler.wellness-list': 'shadow' });
    try {
      const response = await request(running.proxy.url, { path: '/api/thread/exit' });
      expect(response.status).toBe(404);
      await waitFor(() => logLines.some((line) => line.includes('shadow thread stopped unexpectedly')));
      // The replacement takes exchanges again once it is up. (Any outcome: the earlier write went to
      // legacy's database only, so the list may differ by now.)
      await waitFor(async () => {
        await request(running.proxy.url, {
          path: `/api/athletes/${ATHLETE_WITH_ENTRIES}/wellness`,
          headers: { authorization: fixture.authorization },
        });
        await running.thread.observer.idle();
        return Object.values(await outcomes(running.metrics, 'wellness-list')).some((n) => n > 0);
      }, 10_000);
    } finally {
      await stop(running);
    }
  }, 30_000);

  if (process.platform === 'linux') {
    it('runs under SCHED_IDLE (the default) or at a nice value, while the proxy’s own thread keeps its priority', async () => {
      // The main thread's task id is the process id.
      const main = schedulingOf(String(process.pid));
      // Without chrt (util-linux) the thread falls back to nice 19.
      const hasChrt = spawnSync('chrt', ['--help'], { stdio: 'ignore' }).status === 0;
      const lowered = (t: { nice: number; policy: number }) =>
        hasChrt ? t.policy === SCHED_IDLE : t.nice === 19;
      const idleBefore = threads().filter(lowered).length;
      const running = await start({}, { priority: 'idle' });
      try {
        expect(threads().filter(lowered).length).toBe(idleBefore + 1);
        expect(schedulingOf(String(process.pid))).toEqual(main);
      } finally {
        await stop(running);
      }
      const niceBefore = threads().filter((t) => t.nice === 19).length;
      const niced = await start({}, { priority: 19 });
      try {
        expect(threads().filter((t) => t.nice === 19).length).toBe(niceBefore + 1);
        expect(schedulingOf(String(process.pid))).toEqual(main);
      } finally {
        await stop(niced);
      }
    });
  }
});

const SCHED_IDLE = 5;

/** A thread's nice value and scheduling policy, from /proc/self/task/<tid>/stat (proc(5)). */
function schedulingOf(task: string): { nice: number; policy: number } {
  const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
  // The command is in parentheses and may contain spaces; the fields after it start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { nice: Number(fields[19 - 3]), policy: Number(fields[41 - 3]) };
}

function threads(): { nice: number; policy: number }[] {
  const found: { nice: number; policy: number }[] = [];
  for (const task of readdirSync('/proc/self/task')) {
    try {
      found.push(schedulingOf(task));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return found;
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
