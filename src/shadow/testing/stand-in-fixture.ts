/**
 * Test support for the end-to-end shadow suites: three fresh databases (legacy stand-in, new, the
 * proxy's own state), migrated and seeded with the contract data, the legacy stand-in serving the
 * legacy one on a random 127.0.0.1 port, and an OpenID Connect issuer whose token the callers present.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';

import { openLegacyDatabase, openNewDatabase } from '../../../adapters/database.ts';
import { migrateLegacyToLatest, migrateNewToLatest } from '../../../adapters/migrations.ts';
import type { LegacyDatabase, NewDatabase } from '../../../adapters/schema.ts';
import { seedLegacy, seedNew } from '../../../contract-tests/contract-data.ts';
import { CONTRACT_CALLER } from '../../../contract-tests/replay-fixture.ts';
import { createLegacyStandIn } from '../../../scripts/demo/legacy-stand-in/legacy-stand-in.ts';
import { startTestIssuer } from '../../identity/testing/test-issuer.ts';
import type { TokenVerifierSettings } from '../../identity/token-verifier.ts';
import { migrateQaReportsToLatest } from '../../qa-reports/qa-migrations.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database.ts';
import { migrateShadowStoreToLatest } from '../store/shadow-migrations.ts';
import { openTestKysely } from './open-test-kysely.ts';

export interface StandInFixture {
  readonly legacyUrl: URL;
  readonly legacyDb: Kysely<LegacyDatabase>;
  readonly newDb: Kysely<NewDatabase>;
  /** The proxy's state database (shadow store and QA tables migrated). */
  readonly proxyDb: Kysely<unknown>;
  readonly legacyDatabaseUrl: string;
  readonly newDatabaseUrl: string;
  readonly proxyDatabaseUrl: string;
  /** The callers' issuer, as the shadow side is given it (StartShadowOptions.auth). */
  readonly auth: TokenVerifierSettings;
  /** `Bearer <token>` of the contract data's caller (CONTRACT_CALLER), every scope and role granted. */
  readonly authorization: string;
  close(): Promise<void>;
}

const AUDIENCE = 'api://strangler-shadow-tests';

/** `prefix` names the databases (one set per suite, so suites can run side by side). */
export async function startStandInFixture(prefix: string): Promise<StandInFixture> {
  const databases: TestDatabase[] = await Promise.all([
    createTestDatabase(`${prefix}_legacy`),
    createTestDatabase(`${prefix}_new`),
    createTestDatabase(`${prefix}_proxy`),
  ]);
  const [legacyDatabase, newDatabase, proxyDatabase] = databases as [
    TestDatabase,
    TestDatabase,
    TestDatabase,
  ];
  const legacyDb = openLegacyDatabase(legacyDatabase.url, { poolMax: 2 });
  const newDb = openNewDatabase(newDatabase.url, { poolMax: 2 });
  const proxyDb = openTestKysely(proxyDatabase.url, 2);
  await Promise.all([
    migrateLegacyToLatest(legacyDb),
    migrateNewToLatest(newDb),
    migrateShadowStoreToLatest(proxyDb).then(() => migrateQaReportsToLatest(proxyDb)),
  ]);
  await Promise.all([seedLegacy(legacyDb), seedNew(newDb)]);
  const standIn: http.Server = createLegacyStandIn({ db: legacyDb });
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  const callers = await startTestIssuer(AUDIENCE);
  return {
    legacyUrl: new URL(`http://127.0.0.1:${(standIn.address() as AddressInfo).port}`),
    legacyDb,
    newDb,
    proxyDb,
    legacyDatabaseUrl: legacyDatabase.url,
    newDatabaseUrl: newDatabase.url,
    proxyDatabaseUrl: proxyDatabase.url,
    auth: callers.auth,
    authorization: await callers.authorizationOf(CONTRACT_CALLER),
    async close() {
      await callers.stop();
      standIn.closeAllConnections();
      await new Promise((resolve) => standIn.close(resolve));
      await Promise.all([legacyDb.destroy(), newDb.destroy(), proxyDb.destroy()]);
      await Promise.all(databases.map((database) => database.drop()));
    },
  };
}
