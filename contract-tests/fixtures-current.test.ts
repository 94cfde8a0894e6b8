import type { AddressInfo } from 'node:net';
import type http from 'node:http';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Kysely } from 'kysely';

import { openLegacyDatabase } from '../adapters/database.ts';
import { migrateLegacyToLatest } from '../adapters/migrations.ts';
import type { LegacyDatabase, NewDatabase } from '../adapters/schema.ts';
import { createRoutes } from '../routes/index.ts';
import { send } from '../scripts/record-contracts.ts';
import { createLegacyStandIn } from '../scripts/demo/legacy-stand-in/legacy-stand-in.ts';
import { createRouteTable } from '../src/routing/route-table.ts';
import { compareExchanges } from '../src/shadow/compare/compare-exchanges.ts';
import type { CompareRules } from '../src/shadow/compare/compare-rules.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/test-database.ts';
import { seedLegacy } from './contract-data.ts';
import { loadFixtures, responseBodyOf } from './contract-fixture.ts';
import { normaliseLocation, numberLiteralDifferences } from './replay-fixture.ts';

/*
 * The fixtures are only a contract while they say what the legacy stand-in answers today: this suite
 * replays every fixture against the stand-in itself (legacy vs its own recording, under the same rules)
 * so a change to the stand-in that is not re-recorded fails here instead of silently drifting.
 */

const fixtures = loadFixtures();
// Only the routes' matching and comparison rules are used here; no handler runs, so no database.
const table = createRouteTable(createRoutes({ db: {} as Kysely<NewDatabase> }));

let database: TestDatabase;
let db: Kysely<LegacyDatabase>;
let server: http.Server;
let base: URL;

beforeAll(async () => {
  database = await createTestDatabase('fixtures_current');
  db = openLegacyDatabase(database.url, { poolMax: 2 });
  await migrateLegacyToLatest(db);
  server = createLegacyStandIn({ db, now: () => new Date('2026-11-21T10:15:30.123Z') });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await db.destroy();
  await database.drop();
});

describe('recorded fixtures match what the legacy stand-in answers now', () => {
  test.each(fixtures.map((f) => [`${f.route}/${f.name}`, f] as const))('%s', async (_title, fixture) => {
    await seedLegacy(db);
    const problems: string[] = [];
    for (const [i, step] of fixture.steps.entries()) {
      const now = await send(base, step.request);
      const route = table.match(step.request.method, new URL(step.request.path, base).pathname)?.route;
      const routeRules = (route?.shadow?.compare ?? {}) as CompareRules;
      const rules: CompareRules = {
        ...routeRules,
        headers: [...(routeRules.headers ?? ['content-type']), 'location'],
        ignore: [...(routeRules.ignore ?? []), ...(step.ignore ?? []).map((x) => x.path)],
      };
      const recorded = step.response;
      const withLocation = (headers: Readonly<Record<string, string>>) =>
        headers.location === undefined
          ? headers
          : { ...headers, location: normaliseLocation(headers.location, step.request.path) };
      const result = compareExchanges(
        { status: recorded.status, headers: withLocation(recorded.headers), body: responseBodyOf(recorded) },
        { status: now.status, headers: withLocation(now.headers), body: responseBodyOf(now) },
        rules,
      );
      const literals = numberLiteralDifferences(responseBodyOf(recorded), responseBodyOf(now));
      for (const d of [...result.differences, ...literals]) {
        problems.push(
          `step ${i} ${d.path} ${d.kind}: ${JSON.stringify(d.legacy)} → ${JSON.stringify(d.new)}`,
        );
      }
    }
    expect(problems.join('\n')).toBe('');
  });
});
