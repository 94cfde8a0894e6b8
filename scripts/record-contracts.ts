/*
 * Records the legacy contract: runs every scenario of contract-tests/contract-scenarios.ts against the
 * real ASP.NET Core legacy app (scripts/legacy-aspnet/, built with the machine's .NET SDK) over the
 * contract data set and another organisation's rows, and writes what it answered to
 * contract-tests/fixtures/<route-id>/<name>.json (replayed against the new handlers by
 * contract-tests/athlete-api-contract.test.ts). The app verifies callers against a test issuer started
 * here; each step is sent with a token minted for its caller description, and the fixture keeps the
 * description, never the token.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run record-contracts
 *
 * Needs a PostgreSQL server (TEST_DATABASE_URL; without it an embedded one is started). It creates a
 * throw-away database and drops it at the end. Re-record after changing the ASP.NET app or the scenarios;
 * contract-tests/fixtures-current.test.ts fails until you do.
 */
import http from 'node:http';
import { rmSync } from 'node:fs';
import type { Kysely } from 'kysely';

import { openLegacyDatabase } from '../adapters/database.ts';
import { migrateLegacyToLatest } from '../adapters/migrations.ts';
import type { LegacyDatabase } from '../adapters/schema.ts';
import { startContractIssuer, type ContractIssuer } from '../contract-tests/contract-callers.ts';
import {
  ANOTHER_ORGANISATION,
  ATHLETES,
  SQUADS,
  WELLNESS_ENTRIES,
  seedAnotherOrganisation,
  seedLegacy,
} from '../contract-tests/contract-data.ts';
import {
  FIXTURES_DIR,
  parseKeepingNumbers,
  RECORDED_RESPONSE_HEADERS,
  requestBodyOf,
  writeFixture,
  type FixtureRequest,
  type FixtureResponse,
  type ContractFixture,
  type ContractScenario,
  type FixtureStep,
} from '../contract-tests/contract-fixture.ts';
import { CONTRACT_SCENARIOS } from '../contract-tests/contract-scenarios.ts';
import { GUIDS } from '../contract-tests/replay-fixture.ts';
import { createTestDatabase } from '../src/testing/test-database.ts';
import { cliOptions } from './cli-args.ts';
import { startLegacyAspnet, type LegacyAspnet } from './legacy-aspnet/legacy-aspnet.ts';

/** The legacy app's clock while recording, so CreatedAt/UpdatedAt in fixtures do not churn. */
const RECORDING_CLOCK = new Date('2026-11-21T10:15:30.123Z');

export function send(base: URL, request: FixtureRequest): Promise<FixtureResponse> {
  const body = requestBodyOf(request);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      new URL(request.path, base),
      {
        method: request.method,
        headers: { ...request.headers, 'content-length': String(body.length) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers: Record<string, string> = {};
          for (const name of RECORDED_RESPONSE_HEADERS) {
            const value = res.headers[name];
            if (typeof value === 'string') headers[name] = value;
          }
          const isJson = (headers['content-type'] ?? '').includes('json');
          const response: FixtureResponse = {
            status: res.statusCode ?? 0,
            headers,
            ...(text === '' ? {} : isJson ? { body: parseKeepingNumbers(text) } : { rawBody: text }),
          };
          resolve(response);
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function main(): Promise<void> {
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (process.env.TEST_DATABASE_URL === undefined || process.env.TEST_DATABASE_URL === '') {
    const { startTestPostgres } = await import('../src/testing/embedded-test-postgres.ts');
    const server = await startTestPostgres();
    process.env.TEST_DATABASE_URL = server.url;
    stopEmbedded = () => server.stop();
  }
  const database = await createTestDatabase('record_contracts');
  const db = openLegacyDatabase(database.url, { poolMax: 2 });
  const issuer = await startContractIssuer();
  let legacy: LegacyAspnet | undefined;
  try {
    await migrateLegacyToLatest(db);
    legacy = await startLegacyAspnet({
      legacyDatabaseUrl: database.url,
      port: 0,
      fixedUtcNow: RECORDING_CLOCK.toISOString(),
      auth: issuer.auth,
    });
    rmSync(FIXTURES_DIR, { recursive: true, force: true });
    for (const scenario of CONTRACT_SCENARIOS) {
      const fixture = await record(scenario, { db, issuer, legacyUrl: legacy.url });
      const file = writeFixture(fixture);
      const statuses = fixture.steps.map((s) => s.response.status).join(', ');
      console.log(`${scenario.route}/${scenario.name}: ${statuses} → ${file}`);
    }
    console.log(`recorded ${CONTRACT_SCENARIOS.length} scenarios from the ASP.NET legacy app`);
  } finally {
    await legacy?.stop();
    await issuer.stop();
    await db.destroy();
    await database.drop();
    await stopEmbedded?.();
  }
}

/** One scenario over freshly seeded data, each step sent with its caller's token. */
async function record(
  scenario: ContractScenario,
  on: { db: Kysely<LegacyDatabase>; issuer: ContractIssuer; legacyUrl: URL },
): Promise<ContractFixture> {
  await seedLegacy(on.db);
  await seedAnotherOrganisation(on.db);
  const normalise = perRequestValues(scenario);
  const steps: FixtureStep[] = [];
  for (const step of scenario.steps) {
    const response = await send(on.legacyUrl, await on.issuer.authorised(step.request));
    steps.push({ ...step, response: normalise(response) });
  }
  return { ...scenario, steps };
}

/**
 * What differs on every run of the same scenario is replaced by a stable stand-in, so a re-recording only
 * changes the fixtures whose answers changed: ids the server generated (GUIDs that neither the data set
 * nor the scenario's requests name) become a sequence, and each ProblemDetails traceId a counter.
 */
export function perRequestValues(scenario: ContractScenario): (response: FixtureResponse) => FixtureResponse {
  const known = new Set(
    [
      JSON.stringify([SQUADS, ATHLETES, WELLNESS_ENTRIES, ANOTHER_ORGANISATION]),
      JSON.stringify(scenario.steps),
    ]
      .flatMap((text) => text.match(GUIDS) ?? [])
      .map((g) => g.toLowerCase()),
  );
  const generated = new Map<string, string>();
  let traces = 0;
  const replaceIds = (text: string): string =>
    text.replace(GUIDS, (g) => {
      const key = g.toLowerCase();
      if (known.has(key)) return g;
      if (!generated.has(key)) {
        generated.set(key, `aaaaaaaa-0000-4000-8000-${String(generated.size + 1).padStart(12, '0')}`);
      }
      return generated.get(key) ?? g;
    });
  return (response) => {
    const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, replaceIds(v)]));
    if (response.body === undefined) return { ...response, headers };
    const text = replaceIds(JSON.stringify(response.body)).replace(
      /"traceId":"[^"]*"/g,
      () => `"traceId":"00-${(++traces).toString(16).padStart(32, '0')}-${'0'.repeat(15)}1-00"`,
    );
    return { ...response, headers, body: parseKeepingNumbers(text) };
  };
}

const USAGE = `usage: [TEST_DATABASE_URL=postgres://…] npm run record-contracts
  Runs every scenario of contract-tests/contract-scenarios.ts against the ASP.NET legacy app and writes
  what it answered to contract-tests/fixtures/<route-id>/<name>.json. Needs a PostgreSQL server to
  create a throw-away database on (TEST_DATABASE_URL; without it an embedded one is started).`;

if (import.meta.url === `file://${process.argv[1]}`) {
  cliOptions({}, USAGE);
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
