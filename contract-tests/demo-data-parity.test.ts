import type { AddressInfo } from 'node:net';
import type http from 'node:http';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Kysely } from 'kysely';

import { openLegacyDatabase, openNewDatabase } from '../adapters/database.ts';
import { migrateLegacyToLatest, migrateNewToLatest } from '../adapters/migrations.ts';
import type { LegacyDatabase, NewDatabase } from '../adapters/schema.ts';
import { createRoutes } from '../routes/index.ts';
import { send } from '../scripts/record-contracts.ts';
import { createLegacyStandIn } from '../scripts/demo/legacy-stand-in/legacy-stand-in.ts';
import { seedDemoData } from '../scripts/demo/seed.ts';
import type { RouteTable } from '../src/routing/route.ts';
import { createRouteTable } from '../src/routing/route-table.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/test-database.ts';
import { DEMO_ORGANISATIONS } from '../scripts/demo/demo-organisations.ts';
import type { Principal } from '../src/identity/principal.ts';
import { startContractIssuer, type ContractIssuer } from './contract-callers.ts';
import type { ContractFixture, FixtureRequest } from './contract-fixture.ts';
import { CONTRACT_CALLER, formatOutcomes, replayFixture } from './replay-fixture.ts';

/*
 * The recorded fixtures use a small hand-made data set. The demo data set (scripts/demo/seed.ts: a few
 * squads, ~200 athletes, 90 days of questionnaires) is seeded into both schemas through the entity
 * mappings, so this suite asks the live legacy stand-in and the new handlers the same read requests over
 * it: realistic names (ordering, namesakes across pages), every score the questionnaire can produce,
 * and timestamps as the mappings carry them across. Each read is made as a caller of the organisation
 * that owns the rows (the stand-in verifies a token from a test issuer; the handlers get the principal),
 * so both sides scope it the same way.
 */

let legacyDatabase: TestDatabase;
let newDatabase: TestDatabase;
let legacyDb: Kysely<LegacyDatabase>;
let newDb: Kysely<NewDatabase>;
let server: http.Server | undefined;
let base: URL;
let table: RouteTable;
let issuer: ContractIssuer;

beforeAll(async () => {
  legacyDatabase = await createTestDatabase('parity_legacy');
  newDatabase = await createTestDatabase('parity_new');
  legacyDb = openLegacyDatabase(legacyDatabase.url, { poolMax: 2 });
  newDb = openNewDatabase(newDatabase.url, { poolMax: 2 });
  await migrateLegacyToLatest(legacyDb);
  await migrateNewToLatest(newDb);
  await seedDemoData({ legacyDb, newDb, today: '2026-11-21' });
  issuer = await startContractIssuer();
  const standIn = createLegacyStandIn({
    db: legacyDb,
    auth: { issuer: issuer.auth.issuer, audiences: [issuer.auth.audience] },
  });
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

/** A read as a caller of one demo organisation: the stand-in and the handlers both scope to it. */
interface CallerRead {
  readonly path: string;
  readonly organisationId: string;
}

const read = (organisationId: string, path: string): CallerRead => ({ organisationId, path });

/** Asks the live stand-in, then replays its answer against the new handlers like a recorded fixture. */
async function parity(route: string, reads: readonly CallerRead[]): Promise<string> {
  const diffs: string[] = [];
  for (const [i, { path, organisationId }] of reads.entries()) {
    const principal: Principal = { ...CONTRACT_CALLER, subject: 'demo-parity', organisationId };
    const request: FixtureRequest = { method: 'GET', path, headers: { host: 'athletes.example.test' } };
    const authorization = await issuer.bearerFor(principal);
    const fixture: ContractFixture = {
      route,
      name: `live-${i}`,
      description: 'live parity',
      steps: [
        {
          request,
          response: await send(base, { ...request, headers: { ...request.headers, authorization } }),
        },
      ],
    };
    const outcomes = await replayFixture(fixture, table, { principal });
    const text = formatOutcomes(outcomes);
    if (text !== '') diffs.push(text);
  }
  return diffs.join('\n');
}

/** Each squad's id with its organisation's, both in lower case. */
async function squadOrganisations(): Promise<Map<string, string>> {
  const squads = await legacyDb.selectFrom('dbo.Squads').select(['SquadId', 'OrganisationId']).execute();
  return new Map(squads.map((s) => [s.SquadId.toLowerCase(), s.OrganisationId.toLowerCase()]));
}

describe('legacy stand-in and new handlers agree over the demo data set', () => {
  test('squads, and every squad’s athletes page by page with and without the inactive', async () => {
    const owners = await squadOrganisations();
    const reads = DEMO_ORGANISATIONS.map((o) => read(o.id, '/api/squads'));
    for (const [id, organisationId] of owners) {
      for (const page of [1, 2, 3]) {
        reads.push(read(organisationId, `/api/squads/${id}/athletes?pageSize=25&page=${page}`));
        reads.push(
          read(organisationId, `/api/squads/${id}/athletes?includeInactive=true&pageSize=25&page=${page}`),
        );
      }
    }
    expect(await parity('squad-athletes-list', reads)).toBe('');
  });

  test('all athletes, every page of 40', async () => {
    const reads = DEMO_ORGANISATIONS.flatMap((o) =>
      [1, 2, 3, 4, 5, 6].map((page) => read(o.id, `/api/athletes?pageSize=40&page=${page}`)),
    );
    expect(await parity('athletes-list', reads)).toBe('');
  });

  test('a sample of athletes and their whole 90-day wellness history', async () => {
    const owners = await squadOrganisations();
    const athletes = await legacyDb
      .selectFrom('dbo.Athletes')
      .select(['AthleteId', 'SquadId'])
      .orderBy('Email')
      .execute();
    const sample = athletes.filter((_a, i) => i % 20 === 0);
    expect(sample.length).toBeGreaterThan(5);
    const reads = sample.flatMap(({ AthleteId, SquadId }) => {
      const [id, organisationId] = [AthleteId.toLowerCase(), owners.get(SquadId.toLowerCase()) ?? ''];
      return [
        read(organisationId, `/api/athletes/${id}`),
        read(organisationId, `/api/athletes/${id}/wellness?pageSize=200`),
        read(organisationId, `/api/athletes/${id}/wellness?from=2026-10-01&to=2026-10-31`),
      ];
    });
    expect(await parity('athletes-get', reads)).toBe('');
  });
});
