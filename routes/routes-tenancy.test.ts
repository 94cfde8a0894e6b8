import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Kysely } from 'kysely';

import { openNewDatabase } from '../adapters/database.ts';
import { migrateNewToLatest } from '../adapters/migrations.ts';
import type { NewDatabase } from '../adapters/schema.ts';
import {
  ANOTHER_ORGANISATION,
  ATHLETES,
  SQUADS,
  seedAnotherOrganisationNew,
  seedNew,
} from '../contract-tests/contract-data.ts';
import { CONTRACT_CALLER } from '../contract-tests/replay-fixture.ts';
import type { Principal } from '../src/identity/principal.ts';
import type { RouteTable } from '../src/routing/route.ts';
import { createRouteTable } from '../src/routing/route-table.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/test-database.ts';
import { createRoutes } from './index.ts';
import { POLICIES } from './shared/policies.ts';
import { callRoute, type CalledRoute } from './testing/call-route.ts';

/*
 * Every handler sees its caller's organisation only, as legacy's query filters do: another
 * organisation's rows answer as rows that do not exist, and a caller without an organisation sees
 * nothing at all.
 */

const OTHER = ANOTHER_ORGANISATION;
const OTHER_CALLER: Principal = { ...CONTRACT_CALLER, subject: 'other', organisationId: OTHER.id };

let database: TestDatabase;
let db: Kysely<NewDatabase>;
let table: RouteTable;

beforeAll(async () => {
  database = await createTestDatabase('routes_tenancy');
  db = openNewDatabase(database.url, { poolMax: 4 });
  await migrateNewToLatest(db);
  await seedNew(db);
  await seedAnotherOrganisationNew(db);
  table = createRouteTable(createRoutes({ db }));
});

afterAll(async () => {
  await db.destroy();
  await database.drop();
});

function call(
  method: string,
  path: string,
  principal: Principal | undefined,
  body?: unknown,
): Promise<CalledRoute> {
  return callRoute(table, method, path, { body, principal });
}

const athleteBody = {
  SquadId: SQUADS[0].id,
  FirstName: 'Ada',
  LastName: 'Holm',
  Email: 'ada.holm@example.test',
  DateOfBirth: '2004-03-09',
};
const entryBody = { EntryDate: '2026-11-21', Sleep: 3, Soreness: 3, Fatigue: 3, Stress: 3, Mood: 3 };

describe('new handlers: one organisation per caller', () => {
  test("each route asks for its legacy action's policy", () => {
    const policies = Object.fromEntries(createRoutes({ db }).map((route) => [route.id, route.policy]));
    expect(policies).toEqual({
      'squads-list': POLICIES.athletesRead,
      'squad-athletes-list': POLICIES.athletesRead,
      'athletes-list': POLICIES.athletesRead,
      'athletes-get': POLICIES.athletesRead,
      'athletes-create': POLICIES.athletesWrite,
      'athletes-update': POLICIES.athletesWrite,
      'athletes-delete': POLICIES.athletesDelete,
      'wellness-list': POLICIES.wellnessRead,
      'wellness-create': POLICIES.wellnessWrite,
    });
  });

  test("lists hold the caller's organisation's rows only", async () => {
    const squads = await call('GET', '/api/squads', CONTRACT_CALLER);
    expect((squads.json as unknown as { SquadId: string }[]).map((s) => s.SquadId).sort()).toEqual(
      SQUADS.map((s) => s.id).sort(),
    );
    const theirs = await call('GET', '/api/athletes', OTHER_CALLER);
    expect(theirs.headers?.['X-Total-Count']).toBe('1');
    expect((theirs.json as unknown as { AthleteId: string }[])[0]?.AthleteId).toBe(OTHER.athleteId);
  });

  test.each([
    ['GET', `/api/athletes/${OTHER.athleteId}`, undefined],
    ['PUT', `/api/athletes/${OTHER.athleteId}`, { ...athleteBody, SquadId: OTHER.squadId }],
    ['DELETE', `/api/athletes/${OTHER.athleteId}`, undefined],
    ['GET', `/api/athletes/${OTHER.athleteId}/wellness`, undefined],
    ['POST', `/api/athletes/${OTHER.athleteId}/wellness`, entryBody],
    ['GET', `/api/squads/${OTHER.squadId}/athletes`, undefined],
  ])("%s %s of another organisation is legacy's 404, and changes nothing", async (method, path, body) => {
    const r = await call(method, path, CONTRACT_CALLER, body);
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ title: 'Not Found', status: 404 });
    expect((await call('GET', `/api/athletes/${OTHER.athleteId}`, OTHER_CALLER)).json).toMatchObject({
      FirstName: 'Ivy',
      IsActive: true,
      Version: 1,
    });
  });

  test("an athlete put in another organisation's squad: its SquadId does not exist (400)", async () => {
    const r = await call('POST', '/api/athletes', CONTRACT_CALLER, {
      ...athleteBody,
      SquadId: OTHER.squadId,
    });
    expect(r.status).toBe(400);
    expect(r.json?.errors).toEqual({ SquadId: [`Squad '${OTHER.squadId}' does not exist.`] });
  });

  test("an e-mail another organisation's athlete holds: legacy's 409, found by the unique index", async () => {
    const r = await call('POST', '/api/athletes', CONTRACT_CALLER, {
      ...athleteBody,
      Email: OTHER.athleteEmail,
    });
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({
      detail: `An athlete with the email '${OTHER.athleteEmail}' already exists.`,
    });
  });

  test('a caller without an organisation sees nothing and can write nothing: isolation fails closed', async () => {
    expect((await call('GET', '/api/squads', undefined)).json).toEqual([]);
    expect((await call('GET', '/api/athletes', undefined)).headers?.['X-Total-Count']).toBe('0');
    expect((await call('GET', `/api/athletes/${ATHLETES[0].id}`, undefined)).status).toBe(404);
    expect((await call('POST', '/api/athletes', undefined, athleteBody)).status).toBe(400);
  });
});
