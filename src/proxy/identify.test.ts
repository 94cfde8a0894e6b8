/*
 * The identify stage in the running proxy: who pays for a token, what a refused caller gets, what the
 * handler sees, and where a canary sticking on the verified caller sends it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';

import type { FlagContext } from '../../flags/flag-resolver.ts';
import { jsonResponse } from '../handlers/new-handler.ts';
import type { HandlerRequest } from '../handlers/new-handler.ts';
import { bearerChallenge } from '../identity/bearer-challenge.ts';
import type { Principal } from '../identity/principal.ts';
import type { TokenVerifier, Verification } from '../identity/token-verifier.ts';
import type { RouteRecord } from '../routing/route.ts';
import { createFakeFlagResolver } from '../testing/fake-flag-resolver.ts';
import type { Proxy, Upstream } from './proxy-test-harness.ts';
import { request, startProxy, startUpstream } from './proxy-test-harness.ts';

const ORGANISATION = '0c6f9f9e-3a0b-4e55-9d7e-2f1f5c1d0a01';

const caller = (subject: string, scopes: string[]): Principal => ({
  subject,
  organisationId: ORGANISATION,
  scopes: new Set(scopes),
  roles: new Set(),
});

/** Tokens are names of callers; every verification is counted. */
function fakeVerifier(): TokenVerifier & { calls: string[] } {
  const callers: Record<string, Principal> = {
    reader: caller('reader', ['athletes:read']),
    writer: caller('writer', ['athletes:write']),
    'coach-a': caller('coach-a', ['athletes:read']),
    'coach-b': caller('coach-b', ['athletes:read']),
  };
  const calls: string[] = [];
  return {
    calls,
    async verify(token): Promise<Verification> {
      calls.push(token);
      const principal = callers[token];
      return principal === undefined
        ? { ok: false, failure: { kind: 'invalid-signature' } }
        : { ok: true, principal };
    },
    discover: async () => undefined,
  };
}

const handled: HandlerRequest[] = [];
const handler = async (req: HandlerRequest) => {
  handled.push(req);
  return jsonResponse(200, { side: 'new', subject: req.principal?.subject ?? null });
};

const route = (id: string, extra: Partial<RouteRecord> = {}): RouteRecord => ({
  id,
  methods: ['GET'],
  path: `/api/${id}`,
  flag: `strangler.${id}`,
  handler,
  stickiness: { kind: 'client-address' },
  ...extra,
});

const ROUTES = [
  route('athletes', { policy: { scopes: ['athletes:read'] } }),
  route('open'),
  route('sticky', {
    policy: { scopes: ['athletes:read'] },
    stickiness: { kind: 'verified-claim', claim: 'subject' },
  }),
];

const get = (proxy: Proxy, path: string, token?: string) =>
  request(proxy.url, { path, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

describe('identify stage', () => {
  let legacy: Upstream;
  let legacyCalls = 0;
  const flags = createFakeFlagResolver();
  const verifier = fakeVerifier();
  let proxy: Proxy;
  let unverified: Proxy;

  beforeAll(async () => {
    legacy = await startUpstream((_req, res) => {
      legacyCalls += 1;
      res.end('legacy');
    });
    proxy = await startProxy({ legacyUrl: legacy.url, routes: ROUTES, flags, extra: { verifier } });
    unverified = await startProxy({ legacyUrl: legacy.url, routes: ROUTES, flags });
  });

  afterAll(async () => {
    await proxy.close();
    await unverified.close();
    await legacy.close();
  });

  afterEach(() => {
    flags.clear();
    flags.contexts.length = 0;
    verifier.calls.length = 0;
    handled.length = 0;
    legacyCalls = 0;
  });

  it('hands the handler the verified caller of a route with a policy', async () => {
    flags.set('strangler.athletes', 'new');
    const response = await get(proxy, '/api/athletes', 'reader');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString())).toEqual({ side: 'new', subject: 'reader' });
    expect(handled[0]?.principal?.organisationId).toBe(ORGANISATION);
    expect(legacyCalls).toBe(0);
  });

  it('refuses as legacy refuses, without running the handler or calling legacy', async () => {
    flags.set('strangler.athletes', 'new');
    const missing = await get(proxy, '/api/athletes');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(missing.body.length).toBe(0);
    const forged = await get(proxy, '/api/athletes', 'mallory');
    expect(forged.status).toBe(401);
    expect(forged.headers['www-authenticate']).toBe(bearerChallenge({ kind: 'invalid-signature' }));
    const lacksScope = await get(proxy, '/api/athletes', 'writer');
    expect(lacksScope.status).toBe(403);
    expect(lacksScope.headers['www-authenticate']).toBeUndefined();
    expect(lacksScope.body.length).toBe(0);
    expect(lacksScope.headers['x-request-id']).toBeDefined();
    expect(handled).toEqual([]);
    expect(legacyCalls).toBe(0);
  });

  it('leaves legacy-served, open and catch-all requests without any token check', async () => {
    flags.set('strangler.open', 'new');
    expect((await get(proxy, '/api/athletes', 'reader')).body.toString()).toBe('legacy');
    flags.set('strangler.athletes', 'shadow');
    expect((await get(proxy, '/api/athletes', 'mallory')).body.toString()).toBe('legacy');
    expect((await get(proxy, '/api/open', 'mallory')).status).toBe(200);
    expect((await get(proxy, '/elsewhere', 'reader')).body.toString()).toBe('legacy');
    expect(verifier.calls).toEqual([]);
  });

  it('keeps a route with a policy on legacy when no issuer is configured, whatever its flag', async () => {
    flags.set('strangler.athletes', 'new');
    flags.set('strangler.open', 'new');
    const response = await get(unverified, '/api/athletes', 'reader');
    expect(response.body.toString()).toBe('legacy');
    expect(JSON.parse((await get(unverified, '/api/open')).body.toString()).side).toBe('new');
    expect(handled.map((req) => req.path)).toEqual(['/api/open']);
  });

  it('buckets a canary on the verified subject, not on the client', async () => {
    flags.set('strangler.sticky', (context: FlagContext) =>
      context.stickinessId === 'coach-a'
        ? { mode: 'canary', serve: 'new' }
        : { mode: 'canary', serve: 'legacy' },
    );
    expect(JSON.parse((await get(proxy, '/api/sticky', 'coach-a')).body.toString()).side).toBe('new');
    expect((await get(proxy, '/api/sticky', 'coach-b')).body.toString()).toBe('legacy');
    // A refused token is bucketed by its client address and, sent to the new side, refused there.
    expect((await get(proxy, '/api/sticky', 'mallory')).body.toString()).toBe('legacy');
    expect(flags.contexts.map((context) => context.stickinessId)).toEqual([
      'coach-a',
      'coach-b',
      '127.0.0.1',
    ]);
    // Verified once per request: before the decision, not again before the handler.
    expect(verifier.calls).toEqual(['coach-a', 'coach-b', 'mallory']);
  });

  it('does not verify for a canary on a verified claim while its flag is plain legacy', async () => {
    expect((await get(proxy, '/api/sticky', 'coach-a')).body.toString()).toBe('legacy');
    expect(verifier.calls).toEqual([]);
  });
});
