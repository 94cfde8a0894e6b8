import { describe, expect, test } from '@jest/globals';

import { loadFixtures } from './contract-fixture.ts';
import { useSeededContractRoutes } from './contract-routes.ts';
import { CONTRACT_SCENARIOS } from './contract-scenarios.ts';
import { formatOutcomes, replayFixture } from './replay-fixture.ts';

/*
 * The legacy contract, replayed: every fixture recorded from the legacy (scripts/record-contracts.ts) is
 * sent to the new handlers over the same data set on the new schema, and must compare equal under the
 * route's shadow rules. A failure prints one line per difference: route, step, request, path, kind,
 * legacy value → new value.
 */

const fixtures = loadFixtures();

const routes = useSeededContractRoutes('contract', 4);

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

  test.each(fixtures.map((f) => [`${f.route}/${f.name}: ${f.description}`, f] as const))(
    '%s',
    async (_title, fixture) => {
      const outcomes = await replayFixture(fixture, routes());
      expect(outcomes.map((o) => o.routeId)[0]).toBe(fixture.route);
      expect(formatOutcomes(outcomes)).toBe('');
    },
  );
});
