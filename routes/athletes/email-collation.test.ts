/*
 * An athlete's e-mail is unique as legacy's database sees it (SQL_Latin1_General_CP1_CI_AS): the new
 * handlers answer each spelling of a taken e-mail exactly as the real ASP.NET legacy does, with the
 * stand-in's index standing in for the collation (adapters/postgres/migrations/email-key.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Kysely } from 'kysely';
import { request } from 'undici';

import { openLegacyDatabase, openNewDatabase } from '../../adapters/database.ts';
import { migrateLegacyToLatest, migrateNewToLatest } from '../../adapters/migrations.ts';
import type { NewDatabase } from '../../adapters/schema.ts';
import { ATHLETES, SQUADS, seedLegacy, seedNew } from '../../contract-tests/contract-data.ts';
import { CONTRACT_CALLER } from '../../contract-tests/replay-fixture.ts';
import { dotnetForSuite } from '../../scripts/legacy-aspnet/dotnet-suite.ts';
import { startLegacyAspnet, type LegacyAspnet } from '../../scripts/legacy-aspnet/legacy-aspnet.ts';
import { createRouteTable } from '../../src/routing/route-table.ts';
import type { RouteTable } from '../../src/routing/route.ts';
import { createTestDatabase, type TestDatabase } from '../../src/testing/test-database.ts';
import { createRoutes } from '../index.ts';
import { callRoute } from '../testing/call-route.ts';

const run = dotnetForSuite('e-mail uniqueness against the ASP.NET legacy') ? describe : describe.skip;

const TAKEN = ATHLETES[0].email;
/** Spellings of a taken e-mail, and what legacy's collation makes of each. */
const SPELLINGS: readonly [string, string, 201 | 409][] = [
  ['the same', TAKEN, 409],
  ['upper case', TAKEN.toUpperCase(), 409],
  ['a trailing space', `${TAKEN} `, 409],
  ['trailing spaces and upper case', `${TAKEN.toUpperCase()}   `, 409],
  ['an accent (accent-sensitive)', TAKEN.replace('a', 'á'), 201],
  ['a trailing tab (only spaces pad)', `${TAKEN}\t`, 201],
];

run('e-mail uniqueness, as legacy answers it', () => {
  let legacyDb: TestDatabase;
  let newDb: TestDatabase;
  let db: Kysely<NewDatabase>;
  let table: RouteTable;
  let legacy: LegacyAspnet;

  beforeAll(async () => {
    legacyDb = await createTestDatabase('email_collation_legacy');
    const legacyKysely = openLegacyDatabase(legacyDb.url, { poolMax: 1 });
    await migrateLegacyToLatest(legacyKysely);
    await seedLegacy(legacyKysely);
    await legacyKysely.destroy();
    newDb = await createTestDatabase('email_collation_new');
    db = openNewDatabase(newDb.url, { poolMax: 2 });
    await migrateNewToLatest(db);
    await seedNew(db);
    table = createRouteTable(createRoutes({ db }));
    legacy = await startLegacyAspnet({ legacyDatabaseUrl: legacyDb.url, port: 0 });
  }, 180_000);

  afterAll(async () => {
    await legacy?.stop();
    await db?.destroy();
    await Promise.all([legacyDb?.drop(), newDb?.drop()]);
  });

  async function legacyAnswer(method: 'POST' | 'PUT', path: string, body: unknown): Promise<number> {
    const response = await request(new URL(path, legacy.url), {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await response.body.dump();
    return response.statusCode;
  }

  it('answers a create with each spelling of a taken e-mail as legacy does', async () => {
    const answers = [];
    for (const [name, email] of SPELLINGS) {
      const body = {
        SquadId: SQUADS[1].id,
        FirstName: 'Ada',
        LastName: 'Holm',
        Email: email,
        DateOfBirth: '2004-03-09',
      };
      const ours = await callRoute(table, 'POST', '/api/athletes', { body, principal: CONTRACT_CALLER });
      answers.push({ name, legacy: await legacyAnswer('POST', '/api/athletes', body), new: ours.status });
    }
    expect(answers).toEqual(
      SPELLINGS.map(([name, , expected]) => ({ name, legacy: expected, new: expected })),
    );
  }, 60_000);

  it('answers an update to a taken e-mail padded with spaces with legacy 409', async () => {
    const other = ATHLETES[1];
    const body = {
      SquadId: other.squadId,
      FirstName: other.firstName,
      LastName: other.lastName,
      Email: `${TAKEN.toUpperCase()}  `,
      DateOfBirth: other.dateOfBirth,
      Position: other.position,
    };
    const path = `/api/athletes/${other.id}`;
    const ours = await callRoute(table, 'PUT', path, { body, principal: CONTRACT_CALLER });
    expect({ legacy: await legacyAnswer('PUT', path, body), new: ours.status }).toEqual({
      legacy: 409,
      new: 409,
    });
    expect(ours.json).toMatchObject({
      status: 409,
      detail: `An athlete with the email '${body.Email}' already exists.`,
    });
  }, 60_000);
});
