import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Kysely } from 'kysely';

import { openLegacyDatabase } from '../adapters/database.ts';
import { migrateLegacyToLatest } from '../adapters/migrations.ts';
import type { LegacyDatabase, NewDatabase } from '../adapters/schema.ts';
import { createRoutes } from '../routes/index.ts';
import { send } from '../scripts/record-contracts.ts';
import { startLegacyAspnet, type LegacyAspnet } from '../scripts/legacy-aspnet/legacy-aspnet.ts';
import { createRouteTable } from '../src/routing/route-table.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/test-database.ts';
import { startContractIssuer, type ContractIssuer } from './contract-callers.ts';
import { seedAnotherOrganisation, seedLegacy } from './contract-data.ts';
import { loadFixtures, responseBodyOf } from './contract-fixture.ts';
import { compareStep } from './replay-fixture.ts';
import { dotnetForSuite } from '../scripts/legacy-aspnet/dotnet-suite.ts';

/*
 * The fixtures are only a contract while they say what the legacy answers today: this suite replays
 * every fixture against the real ASP.NET Core app (legacy vs its own recording, under the same rules;
 * each step sent with a token minted for its caller by a test issuer the app trusts) so a change to the app or the scenarios that is not re-recorded fails here instead of silently
 * drifting. It needs the .NET SDK: skipped without it, except in CI.
 */

const hasDotnet = dotnetForSuite('the fixtures-current suite');
const describeWithDotnet = hasDotnet ? describe : describe.skip;

const fixtures = loadFixtures();
// Only the routes' matching and comparison rules are used here; no handler runs, so no database.
const table = createRouteTable(createRoutes({ db: {} as Kysely<NewDatabase> }));

let database: TestDatabase;
let db: Kysely<LegacyDatabase>;
let legacy: LegacyAspnet | undefined;
let issuer: ContractIssuer;
let base: URL;

beforeAll(async () => {
  if (!hasDotnet) return;
  database = await createTestDatabase('fixtures_current');
  db = openLegacyDatabase(database.url, { poolMax: 2 });
  await migrateLegacyToLatest(db);
  issuer = await startContractIssuer();
  legacy = await startLegacyAspnet({
    legacyDatabaseUrl: database.url,
    port: 0,
    fixedUtcNow: '2026-11-21T10:15:30.123Z',
    auth: issuer.auth,
  });
  base = legacy.url;
}, 120_000);

afterAll(async () => {
  await legacy?.stop();
  await issuer?.stop();
  await db?.destroy();
  await database?.drop();
});

describeWithDotnet('recorded fixtures match what the ASP.NET legacy answers now', () => {
  test.each(fixtures.map((f) => [`${f.route}/${f.name}`, f] as const))('%s', async (_title, fixture) => {
    await seedLegacy(db);
    await seedAnotherOrganisation(db);
    const problems: string[] = [];
    for (const [i, step] of fixture.steps.entries()) {
      const now = await send(base, await issuer.authorised(step.request));
      const route = table.match(step.request.method, new URL(step.request.path, base).pathname)?.route;
      if (route === undefined) throw new Error(`no migrated route for step ${i}`);
      const recorded = {
        status: step.response.status,
        headers: step.response.headers,
        body: responseBodyOf(step.response),
      };
      const current = { status: now.status, headers: now.headers, body: responseBodyOf(now) };
      for (const d of compareStep(route, step, recorded, current)) {
        problems.push(
          `step ${i} ${d.path} ${d.kind}: ${JSON.stringify(d.legacy)} → ${JSON.stringify(d.new)}`,
        );
      }
    }
    expect(problems.join('\n')).toBe('');
  });
});
