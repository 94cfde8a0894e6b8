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

export type Refusal = Extract<Authentication, { readonly outcome: 'refused' }>;

/**
 * Without an issuer nobody can be verified: a route with a policy refuses everyone, as JwtBearer
 * refuses a token it cannot validate (failing closed, never open).
 */
export const UNVERIFIABLE: Refusal = {
  outcome: 'refused',
  status: 401,
  wwwAuthenticate: bearerChallenge({ kind: 'malformed' }),
};

/** The refusal's headers as legacy sends them: JwtBearer's challenge on a 401, and an empty body. */
export function refusalHeaders(refusal: Refusal): Record<string, string> {
  return refusal.status === 401
    ? { 'www-authenticate': refusal.wwwAuthenticate, 'content-length': '0' }
    : { 'content-length': '0' };
}

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
