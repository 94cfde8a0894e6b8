/*
 * Access tokens as an OAuth 2.0 authorization server issues them to the API's clients: a JWT with the
 * caller (`sub`), the organisation (`org_id`), the granted scopes (`scope`, space-separated) and app
 * roles (`roles`), for one audience, valid for a while.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKey } from './issuer-keys.ts';
import { SIGNING_ALGORITHM } from './issuer-keys.ts';

export interface TokenRequest {
  readonly organisationId: string;
  readonly scopes: readonly string[];
  readonly roles?: readonly string[];
  readonly subject?: string;
  /** Seconds from now; negative gives a token that has already expired. Default 3600. */
  readonly expiresInSeconds?: number;
  /** Seconds from now before which the token is not valid (nbf). Default: valid at once. */
  readonly notBeforeSeconds?: number;
}

export interface TokenAuthority {
  readonly issuer: string;
  readonly audience: string;
}

export async function signAccessToken(
  authority: TokenAuthority,
  key: SigningKey,
  request: TokenRequest,
  now: number = Math.floor(Date.now() / 1000),
): Promise<string> {
  const expiresIn = request.expiresInSeconds ?? 3600;
  // An expired token was issued before it expired, as a real one would have been.
  const issuedAt = Math.min(now, now + expiresIn - 60);
  const claims: Record<string, unknown> = {
    org_id: request.organisationId,
    scope: request.scopes.join(' '),
  };
  if (request.roles?.length) claims.roles = [...request.roles];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setIssuer(authority.issuer)
    .setAudience(authority.audience)
    .setSubject(request.subject ?? `demo-user-${request.organisationId.slice(0, 8)}`)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setNotBefore(request.notBeforeSeconds === undefined ? issuedAt : now + request.notBeforeSeconds)
    .setExpirationTime(now + expiresIn)
    .sign(key.privateKey);
}
