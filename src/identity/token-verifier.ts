/*
 * Verifies a bearer JWT as ASP.NET Core's JwtBearer does with its defaults, in its order (signature,
 * lifetime, audience, issuer) so a token with two faults is refused for the same one. Verified tokens are
 * kept until they expire, so the hot path pays for a signature once per token, not once per request.
 */
import { base64url, compactVerify, errors } from 'jose';
import type { IssuerKeySet, IssuerSettings } from './issuer-keys.ts';
import { discoverIssuerKeys } from './issuer-keys.ts';
import type { TokenFailure } from './bearer-challenge.ts';
import type { Principal } from './principal.ts';
import { principalFrom, type ClaimNames } from './claims.ts';
import { createVerifiedTokenCache } from './verified-token-cache.ts';

export interface TokenVerifierSettings extends IssuerSettings, ClaimNames {
  /** Any of these is accepted as `aud`. */
  readonly audiences: readonly string[];
  /** ASP.NET's default: 5 minutes either side of exp and nbf. */
  readonly clockSkewSeconds?: number;
  /** Verified tokens kept at most. Default 10,000. */
  readonly cacheSize?: number;
  readonly now?: () => number;
}

export type Verification =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly failure: TokenFailure };

export interface TokenVerifier {
  verify(token: string): Promise<Verification>;
  /**
   * Reads the issuer's discovery document and key set now, and keeps them for verify; throws what the
   * issuer's answer shows (unreachable, another issuer, no keys), and the next call or token tries again.
   */
  discover(): Promise<void>;
}

type Claims = Record<string, unknown>;

const fail = (failure: TokenFailure): Verification => ({ ok: false, failure });

function checkLifetime(claims: Claims, nowSeconds: number, skew: number): TokenFailure | undefined {
  if (typeof claims.exp !== 'number') return { kind: 'no-expiration' };
  if (typeof claims.nbf === 'number' && claims.nbf - skew > nowSeconds) {
    return { kind: 'not-yet-valid', notBefore: claims.nbf };
  }
  if (claims.exp + skew < nowSeconds) return { kind: 'expired', expiresAt: claims.exp };
  return undefined;
}

function checkAudience(claims: Claims, audiences: readonly string[]): TokenFailure | undefined {
  const aud = claims.aud;
  const presented = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (presented.length === 0) return { kind: 'invalid-audience', audience: 'empty' };
  return presented.some((value) => audiences.includes(value as string))
    ? undefined
    : { kind: 'invalid-audience', audience: '(null)' };
}

function checkIssuer(claims: Claims, issuer: string): TokenFailure | undefined {
  const iss = typeof claims.iss === 'string' ? claims.iss : '';
  return iss === issuer ? undefined : { kind: 'invalid-issuer', issuer: iss };
}

type Signed = { readonly claims: Claims } | { readonly failure: TokenFailure };

function decodeJson(part: string): unknown {
  return JSON.parse(new TextDecoder().decode(base64url.decode(part)));
}

/** Header and claims, or undefined when the token is not a JWS compact serialisation of JSON objects. */
function decode(token: string): { header: Record<string, unknown>; claims: Claims } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const [header, claims] = [decodeJson(parts[0]!), decodeJson(parts[1]!)];
    const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);
    return isObject(header) && isObject(claims)
      ? { header: header as Record<string, unknown>, claims: claims as Claims }
      : undefined;
  } catch {
    return undefined;
  }
}

// Microsoft.IdentityModel's distinctions: a token that names its key fails on that key ("invalid"),
// unless the issuer has no such key; one that names none fails when no published key verifies it ("not
// found"); a token without a signature is "invalid" whatever it names.
async function verifySignature(token: string, keys: IssuerKeySet): Promise<Signed> {
  const decoded = decode(token);
  if (!decoded) return { failure: { kind: 'malformed' } };
  if (token.endsWith('.')) return { failure: { kind: 'invalid-signature' } };
  const namesKey = typeof decoded.header.kid === 'string';
  try {
    await compactVerify(token, keys.getKey, { algorithms: [...keys.algorithms] });
    return { claims: decoded.claims };
  } catch (error) {
    if (error instanceof errors.JWKSTimeout) return { failure: { kind: 'malformed' } };
    if (error instanceof errors.JWKSNoMatchingKey || !namesKey) return { failure: { kind: 'key-not-found' } };
    return { failure: { kind: 'invalid-signature' } };
  }
}

export function createTokenVerifier(settings: TokenVerifierSettings): TokenVerifier {
  const skew = settings.clockSkewSeconds ?? 300;
  const now = settings.now ?? (() => Date.now() / 1000);
  const cache = createVerifiedTokenCache(settings.cacheSize ?? 10_000, skew);
  let keys: Promise<IssuerKeySet> | undefined;
  // A failed discovery is tried again by the next token rather than kept.
  const issuerKeys = (): Promise<IssuerKeySet> =>
    (keys ??= discoverIssuerKeys(settings).catch((error: unknown) => {
      keys = undefined;
      throw error;
    }));

  async function verifyUncached(token: string): Promise<Verification> {
    let keySet: IssuerKeySet;
    try {
      keySet = await issuerKeys();
    } catch {
      return fail({ kind: 'malformed' });
    }
    const signed = await verifySignature(token, keySet);
    if ('failure' in signed) return fail(signed.failure);
    const verified = signed.claims;
    const failure =
      checkLifetime(verified, now(), skew) ??
      checkAudience(verified, settings.audiences) ??
      checkIssuer(verified, settings.issuer);
    if (failure) return fail(failure);
    const principal = principalFrom(verified, settings);
    cache.remember(token, principal, verified.exp as number, verified.nbf as number | undefined);
    return { ok: true, principal };
  }

  return {
    async verify(token) {
      const cached = cache.lookup(token, now());
      return cached ? { ok: true, principal: cached } : verifyUncached(token);
    },
    async discover() {
      await issuerKeys();
    },
  };
}
