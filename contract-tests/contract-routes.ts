import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import type { Kysely } from 'kysely';

import { openNewDatabase } from '../adapters/database.ts';
import { migrateNewToLatest } from '../adapters/migrations.ts';
import type { NewDatabase } from '../adapters/schema.ts';
import { createRoutes } from '../routes/index.ts';
import type { RouteTable } from '../src/routing/route.ts';
import { createRouteTable } from '../src/routing/route-table.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/test-database.ts';
import { seedAnotherOrganisationNew, seedNew } from './contract-data.ts';

/**
 * The migrated routes over a throw-away new-schema database, re-seeded with the contract data set and
 * another organisation's rows before every test (writes in one test must not leak into the next). Registers the suite's hooks;
 * call it at the top of a test file and read the table inside tests.
 */
export function useSeededContractRoutes(prefix: string, poolMax: number): () => RouteTable {
  let database: TestDatabase;
  let db: Kysely<NewDatabase>;
  let table: RouteTable | undefined;

  beforeAll(async () => {
    database = await createTestDatabase(prefix);
    db = openNewDatabase(database.url, { poolMax });
    await migrateNewToLatest(db);
    table = createRouteTable(createRoutes({ db }));
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });
  beforeEach(async () => {
    await seedNew(db);
    await seedAnotherOrganisationNew(db);
  });

  return () => {
    if (table === undefined) throw new Error('the contract routes are only available inside tests');
    return table;
  };
}
