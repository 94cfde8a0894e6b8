/**
 * Sync figures on throw-away databases of a real PostgreSQL server:
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:sync --
 *     [--events 20000] [--rate 500] [--seconds 10] [--recon-rows 1000000]
 * 1. relay throughput: a backlog of outbox events applied to the legacy stand-in (rows/s; target ≥ 5k);
 * 2. end-to-end lag at a steady write rate, both directions: commit on PostgreSQL → committed on legacy,
 *    and legacy write → applied on PostgreSQL (p50/p99; target p99 < 1 s), with the relay and the change
 *    poller running as they do in production (polling loops);
 * 3. reconciliation of N rows per side with one planted difference (time; target < 30 s for 1M).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';

import { createPostgresLegacySyncEngine } from '../adapters/postgres/sync-engine.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createChangePoller } from '../src/sync/change-poller.ts';
import { enqueueChangePg, enqueueUpserts } from '../src/sync/outbox.ts';
import { createOutboxRelay } from '../src/sync/outbox-relay.ts';
import type { OutboxRelay, OutboxRelayOptions } from '../src/sync/outbox-relay.ts';
import { createPgRowReader } from '../src/sync/pg-row-reader.ts';
import { newSideTarget } from '../src/sync/pg-sync-sql.ts';
import { reconcileEntity } from '../src/sync/reconcile/reconcile-entity.ts';
import { parseOwnership, syncEntity } from '../src/sync/sync-entities.ts';
import { inTransaction, seedMirrored } from '../src/sync/testing/sync-fixtures.ts';
import { createSyncTestDatabases } from '../src/sync/testing/sync-test-databases.ts';
import type { SyncTestDatabases } from '../src/sync/testing/sync-test-databases.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    'recon-rows': { type: 'string', default: '1000000' },
  },
});
process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

const logger = createSilentLogger();
const ownership = parseOwnership('squads=new,athletes=new');
const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function reset(dbs: SyncTestDatabases): Promise<void> {
  await dbs.newPool.query(
    'TRUNCATE strangler.sync_outbox, strangler.sync_audit, strangler.sync_checkpoints, strangler.recon_run CASCADE; TRUNCATE wellness_entries, athletes, squads',
  );
  await dbs.legacyPool.query(
    'TRUNCATE dbo."SyncAppliedEvents", dbo."SyncChangeLog", dbo."SyncTombstones", dbo."SyncTransactions", dbo."WellnessEntries", dbo."Athletes", dbo."Squads"',
  );
  await seedMirrored(dbs.newPool, dbs.legacyPool, { squads: 10, athletes: 0 });
}

async function squadIds(dbs: SyncTestDatabases): Promise<string[]> {
  return (await dbs.newPool.query<{ id: string }>('SELECT id::text AS id FROM squads')).rows.map((r) => r.id);
}

function relayOn(dbs: SyncTestDatabases, options: Partial<OutboxRelayOptions>): OutboxRelay {
  const writer = createPostgresLegacySyncEngine(dbs.legacyPool).writer;
  return createOutboxRelay({ pool: dbs.newPool, writer, ownership, logger, options });
}

/**
 * Calls `write` `rate` times a second for `seconds`, in ticks of 20 ms, without waiting for one write
 * before the next; resolves once every write has. `late` counts the ticks that started behind time.
 */
async function writeAtSteadyRate(
  rate: number,
  seconds: number,
  write: (n: number) => Promise<unknown>,
): Promise<{ written: number; late: number }> {
  const tickMs = 20;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  const end = Date.now() + seconds * 1000;
  let written = 0;
  let late = 0;
  const inFlight = new Set<Promise<unknown>>();
  let next = Date.now();
  while (Date.now() < end) {
    for (let i = 0; i < perTick; i += 1) {
      written += 1;
      const p = write(written).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    next += tickMs;
    const wait = next - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    else late += 1;
  }
  await Promise.all(inFlight);
  return { written, late };
}

async function waitUntil(done: () => Promise<boolean>): Promise<void> {
  while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 50));
}

function lagFigures(sortedLags: readonly number[]): string {
  const at = (p: number) => percentile(sortedLags, p).toFixed(1);
  return `p50 ${at(50)} ms, p99 ${at(99)} ms, max ${at(100)} ms (target p99 < 1000 ms)`;
}

async function relayThroughput(dbs: SyncTestDatabases, events: number, concurrency: number): Promise<void> {
  await reset(dbs);
  const squads = await squadIds(dbs);
  for (let done = 0; done < events; done += 5000) {
    const ids = Array.from({ length: Math.min(5000, events - done) }, () => randomUUID());
    await inTransaction(dbs.newPool, async (client) => {
      await client.query(
        `INSERT INTO athletes (id, squad_id, first_name, last_name, email, date_of_birth, is_active, version)
         SELECT id, ($2::uuid[])[1 + (n % array_length($2::uuid[], 1))], 'Bench', 'Athlete', id::text || '@example.test', '2000-01-01', true, 1
         FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, n)`,
        [ids, squads],
      );
      await enqueueUpserts(client, 'athletes', ids);
    });
  }
  const relay = relayOn(dbs, { batchSize: 1000 });
  const started = performance.now();
  let applied = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const result = await relay.runOnce();
        if (result.claimed === 0) break;
        applied += result.claimed;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `relay throughput (${concurrency} batch(es) in flight): ${applied} events in ${seconds.toFixed(2)} s = ` +
      `${Math.round(applied / seconds)} rows/s (target >= 5000)`,
  );
}

/** New-side writes at a steady rate, the relay running: commit on PostgreSQL → committed on legacy. */
async function steadyLag(dbs: SyncTestDatabases, rate: number, seconds: number): Promise<void> {
  await reset(dbs);
  const squads = await squadIds(dbs);
  const relay = relayOn(dbs, { idlePollMs: 20 });
  relay.start();
  const { written, late } = await writeAtSteadyRate(rate, seconds, (n) => {
    const id = randomUUID();
    return inTransaction(dbs.newPool, async (client) => {
      await client.query(
        `INSERT INTO athletes (id, squad_id, first_name, last_name, email, date_of_birth, is_active, version)
         VALUES ($1, $2, 'Lag', 'Bench', $3, '2000-01-01', true, 1)`,
        [id, squads[n % squads.length] ?? '', `${id}@example.test`],
      );
      await enqueueChangePg(client, { entity: 'athletes', operation: 'upsert', key: id });
    });
  });
  await waitUntil(async () => {
    const pending = await dbs.newPool.query<{ n: string }>(
      `SELECT count(*) AS n FROM strangler.sync_outbox WHERE status = 'pending'`,
    );
    return pending.rows[0]?.n === '0';
  });
  await relay.stop();
  const lags = (
    await dbs.newPool.query<{ ms: number }>(
      `SELECT extract(epoch FROM done_at - created_at)::float8 * 1000 AS ms FROM strangler.sync_outbox ORDER BY 1`,
    )
  ).rows.map((r) => r.ms);
  console.log(
    `end-to-end lag PostgreSQL → legacy at ${rate} writes/s for ${seconds} s (${written} writes, ${late} late ticks): ` +
      lagFigures(lags),
  );
}

/** Legacy writes at a steady rate, the change poller running: legacy commit → applied on PostgreSQL. */
async function steadyLagFromLegacy(dbs: SyncTestDatabases, rate: number, seconds: number): Promise<void> {
  await reset(dbs);
  const squads = await squadIds(dbs);
  const poller = createChangePoller({
    pool: dbs.newPool,
    feed: createPostgresLegacySyncEngine(dbs.legacyPool).feed,
    ownership,
    logger,
    options: { idlePollMs: 20 },
  });
  poller.start();
  const { written } = await writeAtSteadyRate(rate, seconds, (n) => {
    const id = randomUUID();
    return dbs.legacyPool.query(
      `INSERT INTO dbo."Athletes" ("AthleteId", "SquadId", "FirstName", "LastName", "Email", "DateOfBirth", "IsActive", "Version")
       VALUES ($1, $2, 'Lag', 'Legacy', $3, '2000-01-01', true, 1)`,
      [id, squads[n % squads.length] ?? '', `${id}@example.test`],
    );
  });
  await waitUntil(async () => {
    const applied = await dbs.newPool.query<{ n: string }>(`SELECT count(*) AS n FROM athletes`);
    return Number(applied.rows[0]?.n) >= written;
  });
  await poller.stop();
  // Written on legacy (change-log time) → applied on PostgreSQL (the applying transaction's audit time).
  const changed = await dbs.legacyPool.query<{ key: string; at: Date }>(
    `SELECT "EntityKey" AS key, "ChangedAt" AS at FROM dbo."SyncChangeLog" WHERE "TableName" = 'Athletes'`,
  );
  const applied = await dbs.newPool.query<{ key: string; at: Date }>(
    `SELECT entity_key AS key, at FROM strangler.sync_audit WHERE direction = 'legacy_to_new' AND entity = 'athletes'`,
  );
  const appliedAt = new Map(applied.rows.map((r) => [r.key, r.at.getTime()]));
  const lags = changed.rows
    .map((r) => (appliedAt.get(r.key) ?? NaN) - r.at.getTime())
    .filter((ms) => Number.isFinite(ms))
    .sort((a, b) => a - b);
  console.log(
    `end-to-end lag legacy → PostgreSQL at ${rate} writes/s for ${seconds} s (${written} writes): ` +
      lagFigures(lags),
  );
}

async function reconciliation(dbs: SyncTestDatabases, rows: number): Promise<void> {
  await dbs.newPool.query(
    'TRUNCATE strangler.recon_run CASCADE; TRUNCATE wellness_entries, athletes, squads',
  );
  await dbs.legacyPool.query(
    'TRUNCATE dbo."SyncChangeLog", dbo."SyncTransactions", dbo."WellnessEntries", dbo."Athletes", dbo."Squads"',
  );
  const seedStarted = performance.now();
  await seedMirrored(dbs.newPool, dbs.legacyPool, { squads: 100, athletes: rows });
  await dbs.newPool.query('ANALYZE athletes');
  await dbs.legacyPool.query('ANALYZE dbo."Athletes"');
  console.log(
    `seeded ${rows} athletes per side in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`,
  );
  const planted = Math.floor(rows / 2);
  await dbs.legacyPool.query(
    `UPDATE dbo."Athletes" SET "LastName" = 'Planted' WHERE "AthleteId" = md5('athlete' || ${planted})::uuid`,
  );
  const lagWindowMs = 1000;
  const result = await reconcileEntity(
    {
      newPool: dbs.newPool,
      legacy: createPostgresLegacySyncEngine(dbs.legacyPool).reader,
      newSide: createPgRowReader(dbs.newPool, newSideTarget),
      logger,
    },
    syncEntity('athletes'),
    { lagWindowMs },
  );
  console.log(
    `reconciliation of ${result.legacyRows} / ${result.newRows} rows: ${(result.durationMs / 1000).toFixed(1)} s ` +
      `(including the ${lagWindowMs} ms lag-window re-check), ${result.differingBuckets} differing bucket(s), ` +
      `found ${JSON.stringify(result.mismatches.map((m) => ({ key: m.key, kind: m.kind })))} (target < 30 s for 1M)`,
  );
}

const dbs = await createSyncTestDatabases({ poolMax: 8 });
try {
  await relayThroughput(dbs, Number(values.events), 1);
  await relayThroughput(dbs, Number(values.events), 2);
  await steadyLag(dbs, Number(values.rate), Number(values.seconds));
  await steadyLagFromLegacy(dbs, Number(values.rate), Number(values.seconds));
  await reconciliation(dbs, Number(values['recon-rows']));
} finally {
  await dbs.close();
}
