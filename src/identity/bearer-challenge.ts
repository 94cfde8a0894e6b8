/*
 * The 401 answers, spelled as ASP.NET Core's JwtBearer handler spells them (IncludeErrorDetails, its
 * default), so a client sees the same refusal from a new handler as from legacy. The descriptions are
 * Microsoft.IdentityModel's, recorded from the real app (contract-tests/fixtures).
 */

export type TokenFailure =
  /** No bearer token at all: plain `Bearer`. */
  | { readonly kind: 'missing' }
  /** Not a JWT, or a failure the handler gives no details for (the issuer unreachable, say). */
  | { readonly kind: 'malformed' }
  | { readonly kind: 'invalid-signature' }
  | { readonly kind: 'key-not-found' }
  | { readonly kind: 'no-expiration' }
  | { readonly kind: 'expired'; readonly expiresAt: number }
  | { readonly kind: 'not-yet-valid'; readonly notBefore: number }
  | { readonly kind: 'invalid-audience'; readonly audience: 'empty' | '(null)' }
  | { readonly kind: 'invalid-issuer'; readonly issuer: string };

// DateTime.ToString() under the invariant culture, in UTC: MM/dd/yyyy HH:mm:ss.
function dotnetInvariantUtc(epochSeconds: number): string {
  const iso = new Date(epochSeconds * 1000).toISOString();
  return `${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)} ${iso.slice(11, 19)}`;
}

function description(failure: TokenFailure): string | undefined {
  switch (failure.kind) {
    case 'missing':
    case 'malformed':
      return undefined;
    case 'invalid-signature':
      return 'The signature is invalid';
    case 'key-not-found':
      return 'The signature key was not found';
    case 'no-expiration':
      return 'The token has no expiration';
    case 'expired':
      return `The token expired at '${dotnetInvariantUtc(failure.expiresAt)}'`;
    case 'not-yet-valid':
      return `The token is not valid before '${dotnetInvariantUtc(failure.notBefore)}'`;
    case 'invalid-audience':
      return `The audience '${failure.audience}' is invalid`;
    case 'invalid-issuer':
      return `The issuer '${failure.issuer}' is invalid`;
  }
}

/** The `WWW-Authenticate` value of the 401 for this failure. */
export function bearerChallenge(failure: TokenFailure): string {
  if (failure.kind === 'missing') return 'Bearer';
  const detail = description(failure);
  return detail === undefined
    ? 'Bearer error="invalid_token"'
    : `Bearer error="invalid_token", error_description="${detail}"`;
}

/**
 * The token of an `Authorization` header as JwtBearer reads it: the scheme compared without case, the
 * rest trimmed; anything else (no header, another scheme, nothing after the scheme) is no token at all.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.length < 7) return undefined;
  if (authorization.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = authorization.slice(7).trim();
  return token === '' ? undefined : token;
}
