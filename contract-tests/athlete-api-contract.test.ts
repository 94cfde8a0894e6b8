import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import type { Kysely } from 'kysely';

import { openNewDatabase } from '../adapters/database.ts';
import { migrateNewToLatest } from '../adapters/migrations.ts';
import type { NewDatabase } from '../adapters/schema.ts';
import { createRoutes } from '../routes/index.ts';
import type { RouteTable } from '../src/routing/route.ts';
import { createRouteTable } from '../src/routing/route-table.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/test-database.ts';
import { seedNew } from './contract-data.ts';
import { loadFixtures } from './contract-fixture.ts';
import { CONTRACT_SCENARIOS } from './contract-scenarios.ts';
import { formatOutcomes, replayFixture } from './replay-fixture.ts';

/*
 * The legacy contract, replayed: every fixture recorded from the legacy (scripts/record-contracts.ts) is
 * sent to the new handlers over the same data set on the new schema, and must compare equal under the
 * route's shadow rules. A failure prints one line per difference: route, step, request, path, kind,
 * legacy value → new value.
 */

const fixtures = loadFixtures();

let database: TestDatabase;
let db: Kysely<NewDatabase>;
let table: RouteTable;

beforeAll(async () => {
  database = await createTestDatabase('contract');
  db = openNewDatabase(database.url, { poolMax: 4 });
  await migrateNewToLatest(db);
  table = createRouteTable(createRoutes({ db }));
});

afterAll(async () => {
  await db.destroy();
  await database.drop();
});

beforeEach(async () => {
  await seedNew(db);
});

describe('recorded legacy contract', () => {
  test('every migrated route has recorded fixtures, and every scenario has been recorded', () => {
    const routesWithFixtures = new Set(fixtures.map((f) => f.route));
    expect(
      createRoutes({ db })
        .filter((r) => !routesWithFixtures.has(r.id))
        .map((r) => r.id),
    ).toEqual([]);
    const recorded = fixtures.map((f) => `${f.route}/${f.name}`).sort();
    expect(recorded).toEqual(CONTRACT_SCENARIOS.map((s) => `${s.route}/${s.name}`).sort());
  });

  test.each(fixtures.map((f) => [`${f.route}/${f.name}: ${f.description}`, f] as const))(
    '%s',
    async (_title, fixture) => {
      const outcomes = await replayFixture(fixture, table);
      expect(outcomes.map((o) => o.routeId)[0]).toBe(fixture.route);
      expect(formatOutcomes(outcomes)).toBe('');
    },
  );
});
