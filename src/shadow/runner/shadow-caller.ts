import { authenticate, refusalHeaders, UNVERIFIABLE } from '../../identity/authenticate.ts';
import type { Refusal } from '../../identity/authenticate.ts';
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

/** A refusal as sent to the client (see refusalHeaders). */
function refused(refusal: Refusal): ShadowCaller {
  return {
    allowed: false,
    response: { status: refusal.status, headers: refusalHeaders(refusal), body: Buffer.alloc(0) },
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
    if (verifier === undefined) return refused(UNVERIFIABLE);
    const authorization = request.headers.authorization;
    const authentication = await authenticate(
      verifier,
      typeof authorization === 'string' ? authorization : undefined,
      policy,
    );
    return authentication.outcome === 'allowed'
      ? { allowed: true, principal: authentication.principal }
      : refused(authentication);
  };
}
