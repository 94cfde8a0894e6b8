import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';

import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

import { discoverRows, planRequest, type CallerRows } from '../../scripts/soak/soak-traffic.ts';
import { syncPassed, syncPoint } from '../sync/sync-in-flight.ts';
import { SYNC_ENTITIES } from '../sync/sync-entities.ts';
import { LbClient } from './lb-client.ts';
import { OWNERSHIP, startRollingStack, type RollingStack } from './rolling-restart-stack.ts';
import { projectNode, REPO_ROOT, type StranglerProcess } from './strangler-process.ts';

/*
 * A rolling restart under load: three replicas on one port (REUSE_PORT), two sync workers, steady
 * traffic with writes through routes in `new` (so the outbox carries them) and in `legacy` (so the change
 * feed does). Every replica is restarted in turn (SIGTERM, exit 0, start, ready), then one sync worker is
 * SIGKILLed holding a claimed batch. No client request may fail, and reconciliation finds no drift.
 */

const RATE_PER_SECOND = 25;
const SUITE_MS = 180_000;

let stack: RollingStack;
let rows: CallerRows[];
let newPool: pg.Pool;
let legacyPool: pg.Pool;

beforeAll(async () => {
  stack = await startRollingStack(3, 2);
  rows = await discoverRows(new URL(`http://127.0.0.1:${stack.port}`), stack.callers);
  newPool = new pg.Pool({ connectionString: stack.newUrl, max: 2 });
  legacyPool = new pg.Pool({ connectionString: stack.legacyUrl, max: 2 });
}, SUITE_MS);

afterAll(async () => {
  await Promise.all([newPool?.end(), legacyPool?.end()]);
  await stack?.stop();
}, SUITE_MS);

interface Tally {
  requests: number;
  writes: number;
  failures: string[];
  notSentRetries: number;
}

/** The kill phase's athlete: one the load never writes, so its event is the first pending of its key. */
const untouched = (caller: CallerRows) => caller.athletes[Math.min(10, caller.athletes.length - 1)]!;

/**
 * planRequest's traffic, but its updates spread over every athlete but the untouched one (it updates the
 * same two per caller, which under a slow machine queue on one row lock and time out).
 */
async function plan(n: number) {
  const request = await planRequest(rows, n);
  if (request.cls !== 'new-write') return request;
  const caller = rows[Math.floor(n / 20) % rows.length]!;
  const others = caller.athletes.filter((a) => a !== untouched(caller));
  return planRequest([{ ...caller, athletes: [others[Math.floor(n / 20) % others.length]!] }], n);
}

/** Open-loop load through an LbClient until stop() resolves; each outcome tallied. */
function startLoad(client: LbClient, tally: Tally): { stop(): Promise<void> } {
  const inFlight = new Set<Promise<void>>();
  let running = true;
  const loop = (async () => {
    const started = performance.now();
    for (let n = 0; running; n += 1) {
      const wait = started + (n * 1000) / RATE_PER_SECOND - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const one = plan(n).then(async (request) => {
        const outcome = await client.send(request);
        tally.requests += 1;
        if (request.method !== 'GET') tally.writes += 1;
        tally.notSentRetries += outcome.retries;
        if (outcome.status === undefined || outcome.status >= 500) {
          tally.failures.push(
            `${Math.round(performance.now())} ${request.method} ${request.path}: ${outcome.status ?? outcome.error}`,
          );
        }
      });
      inFlight.add(one);
      void one.finally(() => inFlight.delete(one));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await Promise.all(inFlight);
    },
  };
}

/** A replica's warnings, errors and 5xx request lines. */
const problemLines = (output: string): string =>
  output
    .split('\n')
    .filter((line) => /"level":"(warn|error)"|"status":5\d\d/.test(line))
    .join('\n');

async function readyStatus(replica: StranglerProcess): Promise<number> {
  const response = await fetch(new URL('/health/ready', replica.adminUrl));
  await response.arrayBuffer();
  return response.status;
}

/** SIGTERM, readiness 503 before the listener closes, exit 0, start again, ready: the times taken. */
async function restart(index: number): Promise<{ notReadyMs: number; stopMs: number; startMs: number }> {
  const replica = stack.replicas[index]!;
  const signalled = performance.now();
  replica.child.kill('SIGTERM');
  while ((await readyStatus(replica)) !== 503) await new Promise((resolve) => setTimeout(resolve, 5));
  const notReadyMs = performance.now() - signalled;
  const code = await replica.exited;
  if (code !== 0) console.log(`replica ${index} exited ${code}:\n${problemLines(replica.output())}`);
  expect(code).toBe(0);
  const stopMs = performance.now() - signalled;
  const again = await stack.startReplica(index);
  while ((await readyStatus(again)) !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
  return { notReadyMs, stopMs, startMs: performance.now() - signalled - stopMs };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now() - started;
}

/** The outbox row of one PUT that worker 0 holds claimed while legacy's row is locked; then SIGKILL. */
async function killWorkerMidBatch(client: LbClient): Promise<{ releasedMs: number; appliedMs: number }> {
  const [victim, survivor] = stack.workers;
  const caller = rows[0]!;
  const athlete = untouched(caller);
  // The survivor is paused, so the victim alone can claim the event; the locked legacy row holds its batch.
  survivor!.child.kill('SIGSTOP');
  const blocker = await legacyPool.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM dbo."Athletes" WHERE "AthleteId" = $1 FOR NO KEY UPDATE', [
      athlete.AthleteId,
    ]);
    const put = await planRequest([{ ...caller, athletes: [athlete] }], 2 * 20 + 16);
    expect(put.method).toBe('PUT');
    const before = await lastOutboxId();
    expect((await client.send(put)).status).toBeLessThan(300);
    const eventId = await outboxRowOf(athlete.AthleteId, before);
    await waitFor('the victim to claim the event', async () => !(await claimable(eventId)));
    await waitFor('the victim to wait on legacy', async () => (await lockWaiters()) > 0);
    await victim!.kill('SIGKILL');
    const killed = performance.now();
    const releasedMs = await waitFor('the claim to be released', () => claimable(eventId));
    await blocker.query('COMMIT');
    survivor!.child.kill('SIGCONT');
    await waitFor('the survivor to apply the event', () => outboxDone(eventId));
    return { releasedMs, appliedMs: performance.now() - killed };
  } finally {
    survivor!.child.kill('SIGCONT');
    await blocker.query('ROLLBACK').catch(() => undefined);
    blocker.release();
  }
}

async function lastOutboxId(): Promise<string> {
  const { rows: found } = await newPool.query<{ id: string }>(
    'SELECT coalesce(max(id), 0)::text AS id FROM strangler.sync_outbox',
  );
  return found[0]?.id ?? '0';
}

async function outboxRowOf(key: string, after: string): Promise<string> {
  const { rows: found } = await newPool.query<{ id: string }>(
    `SELECT id::text AS id FROM strangler.sync_outbox
      WHERE entity = 'athletes' AND lower(entity_key) = lower($1) AND id > $2 ORDER BY id LIMIT 1`,
    [key, after],
  );
  if (found[0] === undefined) throw new Error('the PUT wrote no outbox row');
  return found[0].id;
}

/** True when nobody holds the row: another relay could claim it now. */
async function claimable(id: string): Promise<boolean> {
  const client = await newPool.connect();
  try {
    await client.query('BEGIN');
    const { rowCount } = await client.query(
      'SELECT 1 FROM strangler.sync_outbox WHERE id = $1 FOR UPDATE SKIP LOCKED',
      [id],
    );
    return rowCount === 1;
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

async function outboxDone(id: string): Promise<boolean> {
  const { rows: found } = await newPool.query<{ status: string }>(
    'SELECT status FROM strangler.sync_outbox WHERE id = $1',
    [id],
  );
  return found[0]?.status === 'done';
}

async function lockWaiters(): Promise<number> {
  const { rows: found } = await legacyPool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  );
  return found[0]?.n ?? 0;
}

/** `npm run reconcile` on both databases: exit code 0 when they agree. */
function reconcile(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      projectNode(),
      ['scripts/reconcile.ts', '--lag-window-ms', '1000', '--ownership', OWNERSHIP],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          DATABASE_URL: stack.newUrl,
          LEGACY_DATABASE_URL: stack.legacyUrl,
          NODE_OPTIONS: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

test(
  'every replica restarted under load, a sync worker killed mid-batch: no request fails, no drift',
  async () => {
    const client = new LbClient(new URL(`http://127.0.0.1:${stack.port}`));
    const tally: Tally = { requests: 0, writes: 0, failures: [], notSentRetries: 0 };
    const load = startLoad(client, tally);
    const restarts = [];
    try {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      for (let i = 0; i < stack.replicas.length; i += 1) restarts.push(await restart(i));
      const kill = await killWorkerMidBatch(client);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await load.stop();

      const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: newPool }) });
      const entities = SYNC_ENTITIES.map((e) => e.name);
      const point = await syncPoint(db, entities);
      const caughtUpMs = await waitFor('the sync to catch up', () => syncPassed(db, point, entities), 30_000);
      const reconciled = await reconcile();

      console.log(
        JSON.stringify({ ...tally, failures: tally.failures.length, restarts, kill, caughtUpMs }, null, 1),
      );
      for (const replica of stack.replicas) console.log(problemLines(replica.output()));
      expect(tally.failures).toEqual([]);
      expect(reconciled.output).toMatch(/missing in legacy 0, missing in new 0, different 0/);
      expect(reconciled.code).toBe(0);
    } finally {
      await load.stop();
      client.close();
    }
  },
  SUITE_MS,
);
