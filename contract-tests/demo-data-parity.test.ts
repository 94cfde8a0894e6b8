import type { AddressInfo } from 'node:net';
import type http from 'node:http';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Kysely } from 'kysely';

import { openLegacyDatabase, openNewDatabase } from '../adapters/database.ts';
import { migrateLegacyToLatest, migrateNewToLatest } from '../adapters/migrations.ts';
import type { LegacyDatabase, NewDatabase } from '../adapters/schema.ts';
import { createRoutes } from '../routes/index.ts';
import { send } from '../scripts/record-contracts.ts';
import { ALL_DEMO_SCOPES } from '../scripts/demo/demo-callers.ts';
import { DEMO_ORGANISATIONS, type DemoOrganisation } from '../scripts/demo/demo-organisations.ts';
import { createLegacyStandIn } from '../scripts/demo/legacy-stand-in/legacy-stand-in.ts';
import { seedDemoData } from '../scripts/demo/seed.ts';
import type { Principal } from '../src/identity/principal.ts';
import { startTestIssuer, type TestIssuer } from '../src/identity/testing/test-issuer.ts';
import type { RouteTable } from '../src/routing/route.ts';
import { createRouteTable } from '../src/routing/route-table.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/test-database.ts';
import type { ContractFixture, FixtureRequest, FixtureResponse } from './contract-fixture.ts';
import { formatOutcomes, replayFixture } from './replay-fixture.ts';

/*
 * The recorded fixtures use a small hand-made data set. The demo data set (scripts/demo/seed.ts: a few
 * squads, ~200 athletes, 90 days of questionnaires) is seeded into both schemas through the entity
 * mappings, so this suite asks the live legacy stand-in and the new handlers the same read requests over
 * it: realistic names (ordering, namesakes across pages), every score the questionnaire can produce,
 * and timestamps as the mappings carry them across.
 *
 * Both sides scope every query to the caller's organisation, as in a deployment: the stand-in verifies
 * tokens from an issuer the suite starts, and each demo organisation's caller asks for its own data, so
 * every organisation's rows are compared, each by its owner.
 */

let legacyDatabase: TestDatabase;
let newDatabase: TestDatabase;
let legacyDb: Kysely<LegacyDatabase>;
let newDb: Kysely<NewDatabase>;
let issuer: TestIssuer;
let server: http.Server | undefined;
let base: URL;
let table: RouteTable;

interface Caller {
  readonly organisation: DemoOrganisation;
  readonly principal: Principal;
  readonly authorization: string;
}

/** One caller per demo organisation, with every scope the demo API knows. */
let callers: Caller[];

async function callerOf(organisation: DemoOrganisation): Promise<Caller> {
  const principal: Principal = {
    subject: `demo-parity-${organisation.id}`,
    organisationId: organisation.id,
    scopes: new Set(ALL_DEMO_SCOPES),
    roles: new Set(),
  };
  return { organisation, principal, authorization: await issuer.authorizationOf(principal) };
}

/** The caller of the organisation that owns a row (its OrganisationId as the legacy stores it). */
function ownerOf(organisationId: string): Caller {
  const owner = callers.find((caller) => caller.organisation.id === organisationId.toLowerCase());
  if (owner === undefined) throw new Error(`no demo organisation ${organisationId}`);
  return owner;
}

beforeAll(async () => {
  legacyDatabase = await createTestDatabase('parity_legacy');
  newDatabase = await createTestDatabase('parity_new');
  legacyDb = openLegacyDatabase(legacyDatabase.url, { poolMax: 2 });
  newDb = openNewDatabase(newDatabase.url, { poolMax: 2 });
  await migrateLegacyToLatest(legacyDb);
  await migrateNewToLatest(newDb);
  await seedDemoData({ legacyDb, newDb, today: '2026-11-21' });
  issuer = await startTestIssuer();
  callers = await Promise.all(DEMO_ORGANISATIONS.map(callerOf));
  const standIn = createLegacyStandIn({ db: legacyDb, auth: issuer.auth });
  server = standIn;
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  base = new URL(`http://127.0.0.1:${(standIn.address() as AddressInfo).port}`);
  table = createRouteTable(createRoutes({ db: newDb }));
}, 60_000);

afterAll(async () => {
  const standIn = server;
  if (standIn !== undefined) {
    standIn.closeAllConnections();
    await new Promise((resolve) => standIn.close(resolve));
  }
  await issuer.stop();
  await legacyDb.destroy();
  await newDb.destroy();
  await legacyDatabase.drop();
  await newDatabase.drop();
});

interface CallerRequest {
  readonly caller: Caller;
  readonly request: FixtureRequest;
}

function get(caller: Caller, path: string): CallerRequest {
  return {
    caller,
    request: {
      method: 'GET',
      path,
      headers: { host: 'athletes.example.test', authorization: caller.authorization },
    },
  };
}

interface Parity {
  /** Every difference, formatted; empty when the two sides agree. */
  readonly differences: string;
  /** The stand-in's answers, in the order of the requests. */
  readonly legacy: readonly FixtureResponse[];
}

/**
 * Asks the live stand-in as each request's caller, then replays its answer against the new handlers
 * like a recorded fixture, as the same caller.
 */
async function parity(route: string, requests: readonly CallerRequest[]): Promise<Parity> {
  const diffs: string[] = [];
  const legacy: FixtureResponse[] = [];
  for (const [i, { caller, request }] of requests.entries()) {
    const response = await send(base, request);
    legacy.push(response);
    const fixture: ContractFixture = {
      route,
      name: `live-${i}`,
      description: `live parity as ${caller.organisation.name}`,
      steps: [{ request, response }],
    };
    const outcomes = await replayFixture(fixture, table, { principal: caller.principal });
    const text = formatOutcomes(outcomes);
    if (text !== '') diffs.push(text);
  }
  return { differences: diffs.join('\n'), legacy };
}

const lower = (ids: readonly string[]): string[] => ids.map((id) => id.toLowerCase()).sort();

describe('legacy stand-in and new handlers agree over the demo data set, organisation by organisation', () => {
  test('each organisation’s squads, and every squad’s athletes page by page with and without the inactive', async () => {
    const squads = await legacyDb.selectFrom('dbo.Squads').select(['SquadId', 'OrganisationId']).execute();
    for (const caller of callers) {
      const own = squads.filter((squad) => ownerOf(squad.OrganisationId) === caller);
      const requests = [get(caller, '/api/squads')];
      for (const { SquadId } of own) {
        const id = SquadId.toLowerCase();
        for (const page of [1, 2, 3]) {
          requests.push(get(caller, `/api/squads/${id}/athletes?pageSize=25&page=${page}`));
          requests.push(
            get(caller, `/api/squads/${id}/athletes?includeInactive=true&pageSize=25&page=${page}`),
          );
        }
      }
      const { differences, legacy } = await parity('squad-athletes-list', requests);
      expect(differences).toBe('');
      // Each organisation is shown all of its squads: the comparison covers every squad of the data set.
      const listed = (legacy[0]?.body ?? []) as readonly { SquadId: string }[];
      expect(lower(listed.map((squad) => squad.SquadId))).toEqual(lower(own.map((squad) => squad.SquadId)));
    }
  });

  test('each organisation’s active athletes, every page of 40', async () => {
    const athletes = await legacyDb
      .selectFrom('dbo.Athletes')
      .innerJoin('dbo.Squads', 'dbo.Squads.SquadId', 'dbo.Athletes.SquadId')
      .where('dbo.Athletes.IsActive', '=', true)
      .select('dbo.Squads.OrganisationId')
      .execute();
    for (const caller of callers) {
      const count = athletes.filter((athlete) => ownerOf(athlete.OrganisationId) === caller).length;
      // One page past the last, as a client paging to the end asks for it.
      const pages = Array.from({ length: Math.ceil(count / 40) + 1 }, (_p, i) => i + 1);
      const requests = pages.map((page) => get(caller, `/api/athletes?pageSize=40&page=${page}`));
      const { differences, legacy } = await parity('athletes-list', requests);
      expect(differences).toBe('');
      expect(legacy[0]?.headers['x-total-count']).toBe(String(count));
    }
  });

  test('a sample of athletes and their whole 90-day wellness history, each asked by its organisation', async () => {
    const athletes = await legacyDb
      .selectFrom('dbo.Athletes')
      .innerJoin('dbo.Squads', 'dbo.Squads.SquadId', 'dbo.Athletes.SquadId')
      .select(['dbo.Athletes.AthleteId', 'dbo.Squads.OrganisationId'])
      .orderBy('dbo.Athletes.Email')
      .execute();
    const sample = athletes
      .filter((_a, i) => i % 20 === 0)
      .map((a) => ({ id: a.AthleteId.toLowerCase(), caller: ownerOf(a.OrganisationId) }));
    expect(sample.length).toBeGreaterThan(5);
    expect(new Set(sample.map((a) => a.caller)).size).toBe(callers.length);
    const requests = sample.flatMap(({ id, caller }) => [
      get(caller, `/api/athletes/${id}`),
      get(caller, `/api/athletes/${id}/wellness?pageSize=200`),
      get(caller, `/api/athletes/${id}/wellness?from=2026-10-01&to=2026-10-31`),
    ]);
    const { differences, legacy } = await parity('athletes-get', requests);
    expect(differences).toBe('');
    expect(legacy.filter((response) => response.status !== 200)).toEqual([]);
  });
});
