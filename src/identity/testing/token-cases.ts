/*
 * Tokens for every way a bearer token can be wrong, signed (or forged) against a running demo issuer.
 * The verifier's tests and the parity suite against the real ASP.NET legacy use the same cases.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { base64url, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey } from 'jose';
import { signAccessToken } from '../../../scripts/demo/issuer/demo-tokens.ts';
import type { TokenRequest } from '../../../scripts/demo/issuer/demo-tokens.ts';
import type { RunningIssuer } from '../../../scripts/demo/issuer/oidc-issuer.ts';

export const TEST_AUDIENCE = 'api://strangler-tests';
export const TEST_ORGANISATION = '0c6f9f9e-3a0b-4e55-9d7e-2f1f5c1d0a01';
export const READ_BOTH = ['athletes:read', 'wellness:read'];

export interface TokenCase {
  readonly name: string;
  /** The whole Authorization header, or undefined for none. */
  readonly authorization: string | undefined;
}

const base: TokenRequest = { organisationId: TEST_ORGANISATION, scopes: READ_BOTH };

function forgeUnsigned(token: string): string {
  const payload = token.split('.')[1];
  return `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`;
}

// HS256 "signed" with the issuer's public key as the secret: accepted by verifiers that let the token
// choose the algorithm.
function forgeHmacWithPublicKey(token: string, issuer: RunningIssuer): string {
  const key = issuer.keys.current();
  const header = base64url.encode(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: key.kid }));
  const payload = token.split('.')[1];
  const mac = createHmac('sha256', JSON.stringify(key.publicJwk)).update(`${header}.${payload}`).digest();
  return `${header}.${payload}.${base64url.encode(mac)}`;
}

/** Every refusal case, plus the accepted ones, for one issuer and audience. */
export async function tokenCases(issuer: RunningIssuer, audience = TEST_AUDIENCE): Promise<TokenCase[]> {
  const authority = { issuer: issuer.issuer, audience };
  const key = issuer.keys.current();
  const sign = (request: Partial<TokenRequest>, overrides: Partial<typeof authority> = {}) =>
    signAccessToken({ ...authority, ...overrides }, key, { ...base, ...request });
  const stranger = await generateKeyPair('RS256');
  const good = await sign({});
  const bearer = (token: string) => `Bearer ${token}`;
  const signWithoutKid = (privateKey: CryptoKey) =>
    new SignJWT({ org_id: TEST_ORGANISATION, scope: READ_BOTH.join(' ') })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(issuer.issuer)
      .setAudience(audience)
      .setExpirationTime('1h')
      .sign(privateKey);
  const unsignedClaims = (claims: Record<string, unknown>) =>
    new SignJWT({ org_id: TEST_ORGANISATION, scope: READ_BOTH.join(' '), ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .sign(key.privateKey);
  return [
    { name: 'valid', authorization: bearer(good) },
    { name: 'valid, scheme in lower case and extra spaces', authorization: `bearer   ${good}  ` },
    { name: 'missing', authorization: undefined },
    { name: 'another scheme', authorization: 'Basic dXNlcjpwYXNz' },
    { name: 'scheme without a token', authorization: 'Bearer ' },
    { name: 'malformed', authorization: bearer('not-a-jwt') },
    { name: 'claims not JSON', authorization: bearer('eyJhbGciOiJSUzI1NiJ9.bm90LWpzb24.e30') },
    { name: 'no algorithm, no key, no signature', authorization: bearer('e30.e30.e30') },
    { name: 'no kid, wrong signature', authorization: bearer(await signWithoutKid(stranger.privateKey)) },
    { name: 'no kid, right signature', authorization: bearer(await signWithoutKid(key.privateKey)) },
    { name: 'expired', authorization: bearer(await sign({ expiresInSeconds: -3600 })) },
    { name: 'expired within the clock skew', authorization: bearer(await sign({ expiresInSeconds: -120 })) },
    { name: 'not yet valid', authorization: bearer(await sign({ notBeforeSeconds: 3600 })) },
    {
      name: 'not yet valid within the clock skew',
      authorization: bearer(await sign({ notBeforeSeconds: 120 })),
    },
    { name: 'no expiry', authorization: bearer(await unsignedClaims({ iss: issuer.issuer, aud: audience })) },
    { name: 'wrong issuer', authorization: bearer(await sign({}, { issuer: 'https://issuer.example' })) },
    { name: 'no issuer', authorization: bearer(await unsignedClaims({ aud: audience, exp: 4102444800 })) },
    { name: 'wrong audience', authorization: bearer(await sign({}, { audience: 'api://another-api' })) },
    {
      name: 'no audience',
      authorization: bearer(await unsignedClaims({ iss: issuer.issuer, exp: 4102444800 })),
    },
    {
      name: 'wrong signature',
      authorization: bearer(
        await signAccessToken(authority, { ...key, privateKey: stranger.privateKey }, base),
      ),
    },
    {
      name: 'unknown kid',
      authorization: bearer(
        await signAccessToken(
          authority,
          { ...key, kid: randomUUID(), privateKey: stranger.privateKey },
          base,
        ),
      ),
    },
    { name: 'alg none', authorization: bearer(forgeUnsigned(good)) },
    { name: 'HS256 with the public key', authorization: bearer(forgeHmacWithPublicKey(good, issuer)) },
    {
      name: 'expired with a wrong signature',
      authorization: bearer(
        await signAccessToken(
          authority,
          { ...key, privateKey: stranger.privateKey },
          { ...base, expiresInSeconds: -3600 },
        ),
      ),
    },
    {
      name: 'expired and for another audience',
      authorization: bearer(await sign({ expiresInSeconds: -3600 }, { audience: 'api://another-api' })),
    },
    {
      name: 'another audience and issuer',
      authorization: bearer(
        await sign({}, { audience: 'api://another-api', issuer: 'https://issuer.example' }),
      ),
    },
    { name: 'insufficient scope', authorization: bearer(await sign({ scopes: ['athletes:read'] })) },
    { name: 'organisation not a GUID', authorization: bearer(await sign({ organisationId: 'acme' })) },
  ];
}
