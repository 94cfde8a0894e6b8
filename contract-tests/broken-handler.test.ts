import { describe, expect, test } from '@jest/globals';

import type { HandlerResponse, NewHandler } from '../src/handlers/new-handler.ts';
import type { Principal } from '../src/identity/principal.ts';
import type { RouteRecord } from '../src/routing/route.ts';
import { ANOTHER_ORGANISATION } from './contract-data.ts';
import { loadFixtures, parseKeepingNumbers, type ContractFixture } from './contract-fixture.ts';
import { useSeededContractRoutes } from './contract-routes.ts';
import { CONTRACT_CALLER, formatOutcomes, replayFixture, type IdentifyCaller } from './replay-fixture.ts';

/*
 * The contract tests are only worth something if they fail on a wrong handler. Each test here wraps a
 * real handler with one deliberate, realistic mistake and asserts the replay reports it readably.
 */

const fixtures = loadFixtures();
function fixture(route: string, name: string): ContractFixture {
  const found = fixtures.find((f) => f.route === route && f.name === name);
  if (found === undefined)
    throw new Error(`fixture ${route}/${name} is missing; run scripts/record-contracts.ts`);
  return found;
}

const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** A number as parseKeepingNumbers returns it: a JSON.rawJSON object holding the literal. */
function numberOf(value: unknown): number {
  return typeof value === 'number' ? value : Number((value as { rawJSON: string }).rawJSON);
}

/** Rewrites the JSON body of one route's responses. */
function breaking(routeId: string, rewrite: (body: Record<string, unknown>) => Record<string, unknown>) {
  return (route: RouteRecord, handler: NewHandler): NewHandler =>
    route.id !== routeId
      ? handler
      : async (request) => {
          const response = await handler(request);
          const body = parseKeepingNumbers(String(response.body)) as Record<string, unknown>;
          return { ...response, body: JSON.stringify(rewrite(body)) } satisfies HandlerResponse;
        };
}

const routes = useSeededContractRoutes('contract_broken', 2);

describe('a deliberately broken handler fails the contract with a readable diff', () => {
  test('rounding the score half-up (3.85 → 3.9) instead of half to even is reported on $.Score', async () => {
    const halfUp = breaking('wellness-create', (body) => {
      const answers = ['Sleep', 'Soreness', 'Fatigue', 'Stress', 'Mood'].map((k) => numberOf(body[k]));
      const [sleep, soreness, fatigue, stress, mood] = answers as [number, number, number, number, number];
      const hundredths =
        30 * sleep + 20 * (6 - soreness) + 20 * (6 - fatigue) + 15 * (6 - stress) + 15 * mood;
      return { ...body, Score: rawJson((Math.round(hundredths / 10) / 10).toFixed(1)) };
    });
    const outcomes = await replayFixture(fixture('wellness-create', 'created-half-even'), routes(), {
      wrapHandler: halfUp,
    });
    expect(outcomes[0]?.differences).toEqual([{ path: '$.Score', kind: 'changed', legacy: 3.8, new: 3.9 }]);
    expect(formatOutcomes(outcomes)).toBe(
      `wellness-create step 0 (POST ${outcomes[0]?.request.path}) $.Score changed: 3.8 → 3.9`,
    );
  });

  test('a camelCase member (firstName) is reported as missing on one side and added on the other', async () => {
    const camel = breaking('athletes-get', ({ FirstName, ...rest }) => ({ firstName: FirstName, ...rest }));
    const outcomes = await replayFixture(fixture('athletes-get', 'existing'), routes(), {
      wrapHandler: camel,
    });
    const diff = formatOutcomes(outcomes);
    expect(diff).toContain('$.FirstName missing: "Erling" → undefined');
    expect(diff).toContain('$.firstName added: undefined → "Erling"');
  });

  test('dropping the decimal scale (5.0 → 5) is caught although the JSON values are equal', async () => {
    const scaleless = breaking('wellness-create', (body) => ({ ...body, Score: numberOf(body.Score) }));
    const outcomes = await replayFixture(fixture('wellness-create', 'created-whole-score'), routes(), {
      wrapHandler: scaleless,
    });
    expect(formatOutcomes(outcomes)).toContain('$.Score changed: "literal 5.0" → "literal 5"');
  });

  test('members in another order than the C# record are reported when order matters', async () => {
    const reordered = breaking('athletes-get', ({ AthleteId, ...rest }) => ({ ...rest, AthleteId }));
    const outcomes = await replayFixture(fixture('athletes-get', 'existing'), routes(), {
      wrapHandler: reordered,
    });
    expect(outcomes[0]?.differences.map((d) => d.kind)).toContain('order');
  });

  test('a missing X-Total-Count header is reported', async () => {
    const withoutTotal = (route: RouteRecord, handler: NewHandler): NewHandler =>
      route.id !== 'athletes-list'
        ? handler
        : async (request) => {
            const { headers = {}, ...response } = await handler(request);
            const { 'X-Total-Count': _dropped, ...kept } = headers;
            return { ...response, headers: kept };
          };
    const outcomes = await replayFixture(fixture('athletes-list', 'first-page'), routes(), {
      wrapHandler: withoutTotal,
    });
    expect(formatOutcomes(outcomes)).toContain('headers.x-total-count missing: "6" → undefined');
  });
});

describe('a deliberately wrong identity decision fails the contract', () => {
  const allowedAs =
    (principal: Principal): IdentifyCaller =>
    () =>
      Promise.resolve({ outcome: 'allowed', principal });

  test('letting a writer without the coach role delete is reported on the status', async () => {
    const outcomes = await replayFixture(fixture('athletes-delete', 'without-coach-role'), routes(), {
      identify: allowedAs(CONTRACT_CALLER),
    });
    expect(formatOutcomes(outcomes)).toContain('status changed: 403 → 204');
  });

  test('a challenge without the error description is reported on WWW-Authenticate', async () => {
    const outcomes = await replayFixture(fixture('athletes-list', 'expired-token'), routes(), {
      identify: () =>
        Promise.resolve({ outcome: 'refused', status: 401, wwwAuthenticate: 'Bearer error="invalid_token"' }),
    });
    expect(formatOutcomes(outcomes)).toContain('headers.www-authenticate changed');
  });

  test("a query not scoped to the caller's organisation shows another organisation's athlete", async () => {
    const unscoped = allowedAs({ ...CONTRACT_CALLER, organisationId: ANOTHER_ORGANISATION.id });
    const outcomes = await replayFixture(fixture('athletes-get', 'another-organisation'), routes(), {
      identify: unscoped,
    });
    expect(formatOutcomes(outcomes)).toContain('status changed: 404 → 200');
  });
});
