import { describe, expect, it } from '@jest/globals';

import { jsonResponse, type HandlerRequest } from '../../handlers/new-handler.ts';
import { bearerChallenge } from '../../identity/bearer-challenge.ts';
import type { Principal } from '../../identity/principal.ts';
import type { TokenVerifier } from '../../identity/token-verifier.ts';
import type { RouteRecord } from '../../routing/route.ts';
import type { CapturedRequest } from '../captured-exchange.ts';
import { createShadowCalls } from './call.ts';
import { DEFAULT_SHADOW_SETTINGS } from './sample.ts';

/*
 * On the shadow side the new handler runs for the caller the proxy would have verified, and a caller
 * the proxy would have refused gets the proxy's refusal, without the handler running.
 */

const ORGANISATION = '0c6f9f9e-3a0b-4e55-9d7e-2f1f5c1d0a01';
const coach: Principal = {
  subject: 'coach-1',
  organisationId: ORGANISATION,
  scopes: new Set(['athletes:read']),
  roles: new Set(),
};
const expiredChallenge = bearerChallenge({ kind: 'expired', expiresAt: 1_700_000_000 });

/** Knows two tokens: `good` (the coach) and `expired`. */
const verifier: TokenVerifier = {
  async verify(token) {
    if (token === 'good') return { ok: true, principal: coach };
    if (token === 'expired') return { ok: false, failure: { kind: 'expired', expiresAt: 1_700_000_000 } };
    return { ok: false, failure: { kind: 'malformed' } };
  },
  discover: async () => undefined,
};

function routeOf(policy: RouteRecord['policy'], handled: HandlerRequest[]): RouteRecord {
  return {
    id: 'athletes-get',
    methods: ['GET'],
    path: '/api/athletes/{id}',
    flag: 'strangler.athletes-get',
    handler: async (request) => {
      handled.push(request);
      return jsonResponse(200, { subject: request.principal?.subject ?? null });
    },
    stickiness: { kind: 'client-address' },
    ...(policy === undefined ? {} : { policy }),
  };
}

function requestWith(authorization: string | undefined): CapturedRequest {
  return {
    method: 'GET',
    path: '/api/athletes/1',
    query: '',
    headers: authorization === undefined ? {} : { authorization },
    body: Buffer.alloc(0),
    requestId: 'r-1',
  };
}

async function shadowCall(
  policy: RouteRecord['policy'],
  authorization: string | undefined,
  callers: TokenVerifier | undefined,
) {
  const handled: HandlerRequest[] = [];
  const calls = createShadowCalls(
    async () => {
      throw new Error('legacy is not called');
    },
    { begin: () => undefined, end: () => undefined },
    callers,
  );
  const { response, caller } = await calls.newHandler(
    routeOf(policy, handled),
    { id: '1' },
    requestWith(authorization),
    false,
    DEFAULT_SHADOW_SETTINGS,
  );
  return { response, caller, handled };
}

const READ = { scopes: ['athletes:read'] };

describe('the shadow side runs the new handler as its verified caller', () => {
  it('hands the verified principal to the handler of a route with a policy', async () => {
    const { response, handled } = await shadowCall(READ, 'Bearer good', verifier);
    expect(response.status).toBe(200);
    expect(handled.map((r) => r.principal)).toEqual([coach]);
  });

  it("names the verified caller's subject and organisation for the sample, nothing else", async () => {
    const { caller } = await shadowCall(READ, 'Bearer good', verifier);
    expect(caller).toEqual({ subject: 'coach-1', organisationId: ORGANISATION });
  });

  it.each([
    ['no token', undefined, 401, 'Bearer'],
    ['a token that does not verify', 'Bearer expired', 401, expiredChallenge],
  ])(
    "answers %s with legacy's 401 and its challenge, and never runs the handler",
    async (_c, authorization, status, challenge) => {
      const { response, caller, handled } = await shadowCall(READ, authorization, verifier);
      expect(caller).toBeUndefined();
      expect(response).toEqual({
        status,
        headers: { 'www-authenticate': challenge, 'content-length': '0' },
        body: Buffer.alloc(0),
      });
      expect(handled).toEqual([]);
    },
  );

  it("answers a caller without the route's scope or role with an empty 403", async () => {
    const { response, caller, handled } = await shadowCall(
      { scopes: ['athletes:write'], role: 'coach' },
      'Bearer good',
      verifier,
    );
    expect(caller).toBeUndefined();
    expect(response).toEqual({ status: 403, headers: { 'content-length': '0' }, body: Buffer.alloc(0) });
    expect(handled).toEqual([]);
  });

  it('refuses every caller of a route with a policy when no issuer is configured: it fails closed', async () => {
    const { response, handled } = await shadowCall(READ, 'Bearer good', undefined);
    expect(response.status).toBe(401);
    expect(handled).toEqual([]);
  });

  it('runs an open route without a principal and without looking at the token', async () => {
    const { response, caller, handled } = await shadowCall(undefined, 'Bearer not-even-a-jwt', verifier);
    expect(response.status).toBe(200);
    expect(caller).toBeUndefined();
    expect(handled.map((r) => r.principal)).toEqual([undefined]);
  });
});
