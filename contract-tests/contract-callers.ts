/*
 * The callers of the contract fixtures, as tokens. A fixture describes who sends each step (a
 * FixtureCaller, never a token); a test issuer of the suite's own mints the Authorization from that
 * description, for the recorder to send to the ASP.NET app and for the replays to verify as the proxy's
 * identify stage does. A step runs as a caller of the contract organisation granted just what its
 * route's policy asks for, unless its scenario names another caller.
 */
import type { Kysely } from 'kysely';

import type { NewDatabase } from '../adapters/schema.ts';
import { createRoutes } from '../routes/index.ts';
import { authenticate, type Authentication } from '../src/identity/authenticate.ts';
import type { Principal, RoutePolicy } from '../src/identity/principal.ts';
import { createTokenVerifier, type TokenVerifier } from '../src/identity/token-verifier.ts';
import { startTestIssuer } from '../src/identity/testing/test-issuer.ts';
import { createRouteTable } from '../src/routing/route-table.ts';
import { CONTRACT_ORGANISATION } from './contract-data.ts';
import type { ContractScenario, FixtureCaller, FixtureRequest } from './contract-fixture.ts';
import { CONTRACT_CALLER } from './replay-fixture.ts';

const AUDIENCE = 'api://strangler-contract';
const ANOTHER_AUDIENCE = 'api://another-api';
const ORGANISATION_IDS = { contract: CONTRACT_ORGANISATION.id } satisfies Record<
  FixtureCaller['organisation'],
  string
>;

/** The expired token's exp, fixed so the challenge's "The token expired at '…'" never changes. */
const EXPIRED_AT = Date.parse('2001-01-01T00:00:00Z') / 1000;

/** A caller of the contract organisation granted exactly what the policy asks for. */
export function callerFor(policy: RoutePolicy): FixtureCaller {
  return {
    organisation: 'contract',
    scopes: [...policy.scopes],
    roles: policy.role === undefined ? [] : [policy.role],
  };
}

// Only matching is used: no handler runs, so no database.
const ROUTES = createRouteTable(createRoutes({ db: {} as Kysely<NewDatabase> }));

function policyCaller(request: FixtureRequest): FixtureCaller {
  const url = new URL(request.path, 'http://contract.invalid');
  const policy = ROUTES.match(request.method, url.pathname)?.route.policy;
  if (policy === undefined)
    throw new Error(`no migrated route with a policy for ${request.method} ${url.pathname}`);
  return callerFor(policy);
}

/** The scenarios with the policy's caller on every step that names none. */
export function withCallers(scenarios: readonly ContractScenario[]): ContractScenario[] {
  return scenarios.map((scenario) => ({
    ...scenario,
    steps: scenario.steps.map((step) =>
      step.request.caller === undefined
        ? { ...step, request: { ...step.request, caller: policyCaller(step.request) } }
        : step,
    ),
  }));
}

export interface ContractIssuer {
  /** What the ASP.NET app is started with (LegacyAspnetOptions.auth). */
  readonly auth: { readonly issuer: string; readonly audience: string };
  /** Verifies this issuer's tokens for the contract audience, as the proxy is given one. */
  readonly verifier: TokenVerifier;
  /** The Authorization header of a valid token for this principal. */
  bearerFor(principal: Principal): Promise<string>;
  /** The Authorization header the caller sends; undefined for one who sends none. */
  authorization(caller: FixtureCaller): Promise<string | undefined>;
  /** The request as its caller sends it: with the caller's Authorization among its headers. */
  authorised(request: FixtureRequest): Promise<FixtureRequest>;
  /** The proxy's decision for the caller on a route with this policy: authenticate, as identify calls it. */
  identify(caller: FixtureCaller, policy: RoutePolicy): Promise<Authentication>;
  stop(): Promise<void>;
}

/** An OpenID Connect issuer with keys of its own (in a temporary directory, removed by stop). */
export async function startContractIssuer(): Promise<ContractIssuer> {
  const issuer = await startTestIssuer(AUDIENCE);
  const auth = { issuer: issuer.auth.issuer, audience: AUDIENCE };
  const verifier = createTokenVerifier(issuer.auth);
  const sign = (caller: FixtureCaller, options?: { audience?: string; now?: number }): Promise<string> =>
    issuer.sign(
      {
        organisationId: ORGANISATION_IDS[caller.organisation],
        scopes: caller.scopes,
        roles: caller.roles,
        subject: CONTRACT_CALLER.subject,
      },
      options,
    );
  const authorization = async (caller: FixtureCaller): Promise<string | undefined> => {
    switch (caller.token) {
      case 'none':
        return undefined;
      case 'malformed':
        return 'Bearer not-a-jwt';
      case 'expired':
        // Issued an hour before it expired, as signAccessToken's default lifetime has it.
        return sign(caller, { now: EXPIRED_AT - 3600 });
      case 'wrong-audience':
        return sign(caller, { audience: ANOTHER_AUDIENCE });
      case undefined:
        return sign(caller);
    }
  };
  const authorised = async (request: FixtureRequest): Promise<FixtureRequest> => {
    const value = request.caller === undefined ? undefined : await authorization(request.caller);
    return value === undefined
      ? request
      : { ...request, headers: { ...request.headers, authorization: value } };
  };
  return {
    auth,
    verifier,
    bearerFor: (principal) => issuer.authorizationOf(principal),
    authorization,
    authorised,
    identify: async (caller, policy) => authenticate(verifier, await authorization(caller), policy),
    stop: () => issuer.stop(),
  };
}
