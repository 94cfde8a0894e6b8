import { describe, expect, it } from '@jest/globals';
import { jsonResponse } from '../handlers/new-handler.ts';
import type { RouteRecord } from './route.ts';
import { createRouteTable } from './route-table.ts';
import { RouteValidationError } from './route-validation-error.ts';

const record = (extra: object): RouteRecord => ({
  id: 'r',
  methods: ['GET'],
  path: '/r',
  flag: 'strangler.r',
  handler: async () => jsonResponse(200, {}),
  stickiness: { kind: 'client-address' },
  ...extra,
});

function problemsOf(extra: object): readonly string[] {
  try {
    createRouteTable([record(extra)]);
    return [];
  } catch (error: unknown) {
    if (error instanceof RouteValidationError) return error.problems;
    throw error;
  }
}

describe('a route record about its caller', () => {
  it('accepts a policy of scopes and a role, an empty one, and stickiness on a verified claim', () => {
    expect(problemsOf({ policy: { scopes: ['athletes:read', 'athletes:write'], role: 'coach' } })).toEqual(
      [],
    );
    expect(problemsOf({ policy: { scopes: [] } })).toEqual([]);
    expect(
      problemsOf({
        policy: { scopes: ['a'] },
        stickiness: { kind: 'verified-claim', claim: 'organisation' },
      }),
    ).toEqual([]);
  });

  it.each([
    [{ policy: 'athletes:read' }, /policy must be an object/],
    [{ policy: { scopes: 'athletes:read' } }, /policy.scopes must be a list/],
    [{ policy: { scopes: ['athletes:read wellness:read'] } }, /"athletes:read wellness:read" is not a scope/],
    [{ policy: { scopes: [''] } }, /"" is not a scope/],
    [{ policy: { scopes: ['a', 'a'] } }, /policy.scopes: a listed twice/],
    [{ policy: { scopes: [], role: ' ' } }, /policy.role must be a non-empty name/],
    [{ policy: { scope: ['a'] } }, /unknown setting "scope"/],
    [
      { policy: { scopes: [] }, stickiness: { kind: 'verified-claim', claim: 'sub' } },
      /verified claim must be one of subject, organisation/,
    ],
  ])('refuses %j', (extra, problem) => {
    expect(problemsOf(extra)).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });

  it('refuses stickiness on a verified claim where no policy has the caller verified', () => {
    expect(problemsOf({ stickiness: { kind: 'verified-claim', claim: 'subject' } })).toEqual([
      'route "r": stickiness verified-claim needs a policy on the route',
    ]);
  });
});
