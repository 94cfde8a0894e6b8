import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { startContractIssuer, type ContractIssuer } from './contract-callers.ts';
import { loadFixtures } from './contract-fixture.ts';
import { useSeededContractRoutes } from './contract-routes.ts';
import { CONTRACT_SCENARIOS } from './contract-scenarios.ts';
import { formatOutcomes, replayFixture } from './replay-fixture.ts';

/*
 * The legacy contract, replayed: every fixture recorded from the legacy (scripts/record-contracts.ts) is
 * sent to the new handlers over the same data set on the new schema, and must compare equal under the
 * route's shadow rules. Each step's caller is first identified as the proxy's identify stage does it,
 * with a token minted for the caller's description by a test issuer: a refusal must equal legacy's
 * (status, WWW-Authenticate, empty body), an allowed caller reaches the handler as the verified principal.
 * A failure prints one line per difference: route, step, request, path, kind, legacy value → new value.
 */

const fixtures = loadFixtures();

const routes = useSeededContractRoutes('contract', 4);

let issuer: ContractIssuer;
beforeAll(async () => {
  issuer = await startContractIssuer();
});
afterAll(async () => {
  await issuer.stop();
});

describe('recorded legacy contract', () => {
  test('every migrated route has recorded fixtures, and every scenario has been recorded', () => {
    const routesWithFixtures = new Set(fixtures.map((f) => f.route));
    expect(
      routes()
        .routes.filter((r) => !routesWithFixtures.has(r.id))
        .map((r) => r.id),
    ).toEqual([]);
    const recorded = fixtures.map((f) => `${f.route}/${f.name}`).sort();
    expect(recorded).toEqual(CONTRACT_SCENARIOS.map((s) => `${s.route}/${s.name}`).sort());
  });

  test('every recorded step names its caller, and no fixture holds a token', () => {
    const requests = fixtures.flatMap((f) => f.steps.map((step) => step.request));
    expect(requests.filter((request) => request.caller === undefined)).toEqual([]);
    expect(requests.filter((request) => 'authorization' in request.headers)).toEqual([]);
  });

  test.each(fixtures.map((f) => [`${f.route}/${f.name}: ${f.description}`, f] as const))(
    '%s',
    async (_title, fixture) => {
      const outcomes = await replayFixture(fixture, routes(), { identify: issuer.identify });
      expect(outcomes.map((o) => o.routeId)[0]).toBe(fixture.route);
      expect(formatOutcomes(outcomes)).toBe('');
    },
  );
});
