import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';

import { openNewDatabase } from '../adapters/database.ts';
import { migrateNewToLatest } from '../adapters/migrations.ts';
import { TENANT_ROLE } from '../adapters/postgres/migrations/new-0002-tenant-isolation.ts';
import type { NewDatabase } from '../adapters/schema.ts';
import { ATHLETE_WITH_ENTRIES, ATHLETES, SQUADS, seedNew } from '../contract-tests/contract-data.ts';
import { CONTRACT_CALLER } from '../contract-tests/replay-fixture.ts';
import type { RouteTable } from '../src/routing/route.ts';
import { createRouteTable } from '../src/routing/route-table.ts';
import { compileCompareRules } from '../src/shadow/compare/compare-rules.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/test-database.ts';
import { createRoutes, type EntityChange } from './index.ts';
import { callRoute, type CalledRoute } from './testing/call-route.ts';

/*
 * What the contract fixtures cannot show: the transaction around every write. Shadow mode runs write
 * handlers in dry-run and relies on nothing being kept; the outbox relies on joining the
 * same transaction; concurrent writers must get the legacy's 409, not a 500.
 */

let database: TestDatabase;
let db: Kysely<NewDatabase>;
let table: RouteTable;
const changes: EntityChange[] = [];
let failNextChange = false;

beforeAll(async () => {
  database = await createTestDatabase('routes_writes');
  db = openNewDatabase(database.url, { poolMax: 4 });
  await migrateNewToLatest(db);
  table = createRouteTable(
    createRoutes({
      db,
      onChange: async (trx, change) => {
        // Proves the listener runs inside the write's transaction (the row is visible here), as the
        // application's login: the outbox is not a tenant's table.
        const [who] = (await sql<{ role: string }>`SELECT current_user AS role`.execute(trx)).rows;
        if (who?.role === TENANT_ROLE) throw new Error('change listener ran as the tenant role');
        const written = change.entity === 'athlete' ? 'athletes' : 'wellness_entries';
        const row = await trx.selectFrom(written).select('id').where('id', '=', change.id).executeTakeFirst();
        if (row === undefined) throw new Error('change listener ran outside the write transaction');
        changes.push(change);
        if (failNextChange) {
          failNextChange = false;
          throw new Error('outbox unavailable');
        }
      },
    }),
  );
});

afterAll(async () => {
  await db.destroy();
  await database.drop();
});

beforeEach(async () => {
  changes.length = 0;
  failNextChange = false;
  await seedNew(db);
});

/** The route's handler, called by the caller of the contract data's organisation. */
function call(method: string, path: string, body?: unknown, dryRun = false): Promise<CalledRoute> {
  return callRoute(table, method, path, { body, dryRun, principal: CONTRACT_CALLER });
}

const newAthlete = {
  SquadId: SQUADS[1].id,
  FirstName: 'Ada',
  LastName: 'Holm',
  Email: 'ada.holm@example.test',
  DateOfBirth: '2004-03-09',
};

async function athleteCount(): Promise<number> {
  const row = await db
    .selectFrom('athletes')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('new handlers: writes', () => {
  test('the route records validate as one table, with strangler.<id> flags and X-Tenant-Id stickiness', () => {
    const routes = createRoutes({ db });
    expect(routes.map((r) => r.id).sort()).toEqual(
      [
        'athletes-create',
        'athletes-delete',
        'athletes-get',
        'athletes-list',
        'athletes-update',
        'squad-athletes-list',
        'squads-list',
        'wellness-create',
        'wellness-list',
      ].sort(),
    );
    for (const route of routes) {
      expect(route.flag).toBe(`strangler.${route.id}`);
      expect(route.stickiness).toEqual({ kind: 'header', name: 'X-Tenant-Id' });
    }
    expect(table.match('GET', '/api/reports/availability')).toBeUndefined();
  });

  test("every route's shadow comparison rules compile, and all ignore the per-request traceId", () => {
    for (const route of createRoutes({ db })) {
      const rules = compileCompareRules(route.shadow?.compare);
      expect(rules.source.ignore).toContain('$.traceId');
      expect(rules.headers).toEqual(['content-type', 'x-total-count']);
    }
  });

  test('a NUL PostgreSQL cannot store is a 400 naming the member, on every write that stores text', async () => {
    const id = ATHLETES[0].id;
    const nul = (text: string) => `${text}\u0000`;
    const errorsOf = (r: CalledRoute) => (r.json as { errors?: unknown } | undefined)?.errors;
    const created = await call('POST', '/api/athletes', { ...newAthlete, Position: nul('Wing') });
    expect(created.status).toBe(400);
    expect(errorsOf(created)).toEqual({
      Position: ['The field Position must not contain the character U+0000.'],
    });
    const updated = await call('PUT', `/api/athletes/${id}`, {
      ...newAthlete,
      LastName: nul('Holm'),
      Email: nul('a@b'),
    });
    expect(errorsOf(updated)).toEqual({
      Email: ['The field Email must not contain the character U+0000.'],
      LastName: ['The field LastName must not contain the character U+0000.'],
    });
    const entry = { EntryDate: '2026-11-20', Sleep: 3, Soreness: 3, Fatigue: 3, Stress: 3, Mood: 3 };
    const noted = await call('POST', `/api/athletes/${id}/wellness`, { ...entry, Notes: nul('tired') });
    expect(errorsOf(noted)).toEqual({ Notes: ['The field Notes must not contain the character U+0000.'] });
    expect(changes).toEqual([]);
  });

  test("a NUL gives way to legacy's own refusals, and one in a member legacy skips is ignored", async () => {
    const refused = await call('POST', '/api/athletes', {
      ...newAthlete,
      FirstName: 'A\u0000',
      LastName: '',
    });
    expect((refused.json as { errors?: unknown }).errors).toEqual({
      LastName: ['The LastName field is required.'],
    });
    const skipped = await call('POST', '/api/athletes', { ...newAthlete, Nickname: 'A\u0000' });
    expect(skipped.status).toBe(201);
  });

  test('a dry-run create answers as a real one would and keeps nothing', async () => {
    const before = await athleteCount();
    const r = await call('POST', '/api/athletes', newAthlete, true);
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ FirstName: 'Ada', Version: 1, IsActive: true });
    expect(await athleteCount()).toBe(before);
  });

  test('dry-run update, delete and wellness entry roll back too', async () => {
    const id = ATHLETES[0].id;
    const update = { ...newAthlete, SquadId: ATHLETES[0].squadId, Email: ATHLETES[0].email };
    expect((await call('PUT', `/api/athletes/${id}`, update, true)).json).toMatchObject({ Version: 2 });
    expect((await call('DELETE', `/api/athletes/${id}`, undefined, true)).status).toBe(204);
    const entry = { EntryDate: '2026-11-20', Sleep: 3, Soreness: 3, Fatigue: 3, Stress: 3, Mood: 3 };
    expect((await call('POST', `/api/athletes/${id}/wellness`, entry, true)).status).toBe(201);
    const after = await call('GET', `/api/athletes/${id}`);
    expect(after.json).toMatchObject({ FirstName: 'Erling', IsActive: true, Version: 1 });
    expect(
      (await call('GET', `/api/athletes/${id}/wellness?from=2026-11-20`)).headers?.['X-Total-Count'],
    ).toBe('0');
  });

  test('every write announces its row and version to the change listener inside its transaction', async () => {
    const created = await call('POST', '/api/athletes', newAthlete);
    const id = String(created.json?.AthleteId);
    await call('PUT', `/api/athletes/${id}`, { ...newAthlete, Position: 'Defender' });
    await call('DELETE', `/api/athletes/${id}`);
    await call('DELETE', `/api/athletes/${id}`); // already inactive: nothing written, nothing announced
    await call('POST', `/api/athletes/${id}/wellness`, {
      EntryDate: '2026-11-20',
      Sleep: 3,
      Soreness: 3,
      Fatigue: 3,
      Stress: 3,
      Mood: 3,
    });
    expect(changes.map((c) => [c.entity, c.operation, c.version])).toEqual([
      ['athlete', 'insert', '1'],
      ['athlete', 'update', '2'],
      ['athlete', 'update', '3'],
      ['wellness_entry', 'insert', '1'],
    ]);
  });

  test('a failing change listener rolls the write back (no row without its outbox event)', async () => {
    failNextChange = true;
    const before = await athleteCount();
    await expect(call('POST', '/api/athletes', newAthlete)).rejects.toThrow('outbox unavailable');
    expect(await athleteCount()).toBe(before);
  });

  test('concurrent creates with one e-mail: one 201, the others the legacy 409, never a 500', async () => {
    const results = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        call('POST', '/api/athletes', { ...newAthlete, Email: i % 2 ? 'ADA@x.test' : 'ada@X.test' }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    expect(results.find((r) => r.status === 409)?.json).toMatchObject({ title: 'Conflict', status: 409 });
  });

  test('an update whose athlete is deleted (by the sync) while it runs answers 404, as legacy, not a 500', async () => {
    const id = String((await call('POST', '/api/athletes', newAthlete)).json?.AthleteId);
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM athletes WHERE id = $1 FOR UPDATE', [id]);
      const update = call('PUT', `/api/athletes/${id}`, { ...newAthlete, Position: 'Defender' });
      // The handler has found the athlete and waits on its row lock.
      for (let waiting = 0; waiting === 0;) {
        const r = await holder.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`,
        );
        waiting = r.rows[0]?.n ?? 0;
      }
      await holder.query('DELETE FROM athletes WHERE id = $1', [id]);
      await holder.query('COMMIT');

      expect(await update).toMatchObject({ status: 404, json: { status: 404, title: 'Not Found' } });
    } finally {
      await holder.end();
    }
  });

  test('concurrent entries for one day: one 201, the others 409', async () => {
    const entry = { EntryDate: '2026-11-25', Sleep: 3, Soreness: 3, Fatigue: 3, Stress: 3, Mood: 3 };
    const results = await Promise.all(
      [0, 1, 2].map(() => call('POST', `/api/athletes/${ATHLETE_WITH_ENTRIES}/wellness`, entry)),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
  });
});
