import { authenticate } from '../../identity/authenticate.ts';
import { bearerChallenge } from '../../identity/bearer-challenge.ts';
import type { Principal } from '../../identity/principal.ts';
import type { TokenVerifier } from '../../identity/token-verifier.ts';
import type { RouteRecord } from '../../routing/route.ts';
import type { CapturedRequest, CapturedResponse } from '../captured-exchange.ts';

/*
 * Who the new handler runs for on the shadow side. The proxy verifies a caller only on the way to a new
 * handler it serves; when legacy serves, the shadow side verifies the same bearer token itself, off the
 * client's path, and answers a refused caller as the proxy would have: the comparison then shows whether
 * the new side refuses exactly whom legacy refused.
 */

/** The principal the handler gets, or the refusal that stands for the new side's answer. */
export type ShadowCaller =
  | { readonly allowed: true; readonly principal: Principal | undefined }
  | { readonly allowed: false; readonly response: CapturedResponse };

export type IdentifyShadowCaller = (route: RouteRecord, request: CapturedRequest) => Promise<ShadowCaller>;

const OPEN: ShadowCaller = { allowed: true, principal: undefined };

/** A refusal as sent to the client: the status, JwtBearer's challenge on a 401, an empty body. */
function refusal(status: 401 | 403, wwwAuthenticate?: string): ShadowCaller {
  const headers = wwwAuthenticate === undefined ? {} : { 'www-authenticate': wwwAuthenticate };
  return {
    allowed: false,
    response: { status, headers: { ...headers, 'content-length': '0' }, body: Buffer.alloc(0) },
  };
}

/**
 * Without a verifier (no issuer configured) nobody can be verified, so a route with a policy refuses
 * every caller, failing closed as the proxy does; a route without one is open.
 */
export function createShadowCallerIdentity(verifier: TokenVerifier | undefined): IdentifyShadowCaller {
  return async (route, request) => {
    const policy = route.policy;
    if (policy === undefined) return OPEN;
    if (verifier === undefined) return refusal(401, bearerChallenge({ kind: 'malformed' }));
    const authorization = request.headers.authorization;
    const authentication = await authenticate(
      verifier,
      typeof authorization === 'string' ? authorization : undefined,
      policy,
    );
    if (authentication.outcome === 'allowed') return { allowed: true, principal: authentication.principal };
    return authentication.status === 401 ? refusal(401, authentication.wwwAuthenticate) : refusal(403);
  };
}
