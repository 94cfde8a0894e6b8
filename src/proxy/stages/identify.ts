import type { IncomingMessage, ServerResponse } from 'node:http';

import { authenticate, refusalHeaders, UNVERIFIABLE } from '../../identity/authenticate.ts';
import type { Refusal } from '../../identity/authenticate.ts';
import type { TokenVerifier } from '../../identity/token-verifier.ts';
import type { RouteRecord } from '../../routing/route.ts';
import type { Exchange } from '../exchange.ts';

export type { Refusal };

/** The caller was let through (the principal is on the exchange), or refused. */
export type Identified = 'allowed' | Refusal;

export interface Identify {
  /** An issuer is configured, so callers can be verified; without one a route with a policy stays legacy's. */
  readonly verifies: boolean;
  /**
   * Verifies the bearer token of a request to a route with a policy (once per token: the verifier keeps
   * what it verified) and checks the policy; an allowed caller's principal goes on the exchange.
   * Undefined for an open route, which has nothing to check.
   */
  caller(route: RouteRecord, req: IncomingMessage, exchange: Exchange): Promise<Identified> | undefined;
}

/**
 * The identify stage: only requests that would reach a new handler (or a canary bucketing on the
 * verified caller) come here, so legacy-mode and catch-all traffic never pays for a token.
 */
export function createIdentify(verifier: TokenVerifier | undefined): Identify {
  return {
    verifies: verifier !== undefined,
    caller(route, req, exchange) {
      const policy = route.policy;
      if (policy === undefined) return undefined;
      if (verifier === undefined) return Promise.resolve(UNVERIFIABLE);
      return authenticate(verifier, req.headers.authorization, policy).then((authentication) => {
        if (authentication.outcome === 'refused') return authentication;
        exchange.principal = authentication.principal;
        return 'allowed';
      });
    },
  };
}

/**
 * The refusal as legacy sends it: the status, JwtBearer's challenge on a 401, and an empty body. The new
 * handler never ran, so the proxy answers for the new side.
 */
export function sendRefusal(res: ServerResponse, exchange: Exchange, refusal: Refusal): void {
  exchange.target = 'new';
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(refusal.status, { ...refusalHeaders(refusal), 'x-request-id': exchange.requestId });
  res.end();
}
