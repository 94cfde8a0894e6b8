/*
 * One request's identity decision, as ASP.NET's authentication and authorization middleware make it in
 * front of legacy's actions: no usable token → 401 with JwtBearer's challenge; a valid token without the
 * route's scope, role or organisation → 403. Both answers have an empty body, as legacy's do.
 */
import { bearerChallenge, bearerToken } from './bearer-challenge.ts';
import { authorize } from './principal.ts';
import type { Principal, RoutePolicy } from './principal.ts';
import type { TokenVerifier } from './token-verifier.ts';

export type Authentication =
  | { readonly outcome: 'allowed'; readonly principal: Principal }
  | { readonly outcome: 'refused'; readonly status: 401; readonly wwwAuthenticate: string }
  | { readonly outcome: 'refused'; readonly status: 403 };

export async function authenticate(
  verifier: TokenVerifier,
  authorization: string | undefined,
  policy: RoutePolicy,
): Promise<Authentication> {
  const token = bearerToken(authorization);
  if (token === undefined) {
    return { outcome: 'refused', status: 401, wwwAuthenticate: bearerChallenge({ kind: 'missing' }) };
  }
  const verification = await verifier.verify(token);
  if (!verification.ok) {
    return { outcome: 'refused', status: 401, wwwAuthenticate: bearerChallenge(verification.failure) };
  }
  return authorize(verification.principal, policy)
    ? { outcome: 'allowed', principal: verification.principal }
    : { outcome: 'refused', status: 403 };
}
