/*
 * The issuer's published signing keys, found as every OpenID Connect resource server finds them: the
 * discovery document names the JWKS, whose keys jose caches and fetches again when a token names a key
 * it does not know (at most once per cooldown, so a stream of made-up `kid`s cannot hammer the issuer).
 */
import { createRemoteJWKSet } from 'jose';
import type { JWTVerifyGetKey } from 'jose';

export interface IssuerSettings {
  /** The `iss` tokens must carry; its discovery document is read from `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: string;
  /** Where the discovery document is, when not under the issuer (some B2C tenants). */
  readonly metadataUrl?: string;
  /** Refetch on an unknown `kid` at most this often. Default 30 s. */
  readonly keyRefreshCooldownMs?: number;
  /** Keys are fetched again after this long even when every `kid` is known. Default 10 minutes. */
  readonly keyCacheMaxAgeMs?: number;
  readonly fetchTimeoutMs?: number;
}

export interface IssuerKeySet {
  /** The JWKS lookup jose verifies with. */
  readonly getKey: JWTVerifyGetKey;
  /** The signing algorithms the issuer publishes, asymmetric ones only. */
  readonly algorithms: readonly string[];
}

// Symmetric algorithms need a shared secret no resource server has: a token claiming one is forged
// (HS256 signed with the public key is the classic confusion), as is `none`.
const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/;

interface DiscoveryDocument {
  readonly issuer?: unknown;
  readonly jwks_uri?: unknown;
  readonly id_token_signing_alg_values_supported?: unknown;
}

async function readDiscovery(settings: IssuerSettings): Promise<DiscoveryDocument> {
  const url =
    settings.metadataUrl ?? `${settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, {
    signal: AbortSignal.timeout(settings.fetchTimeoutMs ?? 5000),
    headers: { accept: 'application/json' },
  });
  if (!response.ok) throw new Error(`the issuer's discovery document ${url} answered ${response.status}`);
  return (await response.json()) as DiscoveryDocument;
}

/** Reads the discovery document once; throws when it is unreachable or names another issuer. */
export async function discoverIssuerKeys(settings: IssuerSettings): Promise<IssuerKeySet> {
  const document = await readDiscovery(settings);
  if (document.issuer !== settings.issuer) {
    throw new Error(`the discovery document names issuer ${String(document.issuer)}, not ${settings.issuer}`);
  }
  if (typeof document.jwks_uri !== 'string') throw new Error('the discovery document has no jwks_uri');
  const published = Array.isArray(document.id_token_signing_alg_values_supported)
    ? document.id_token_signing_alg_values_supported.filter((alg): alg is string => typeof alg === 'string')
    : ['RS256'];
  const algorithms = published.filter((alg) => ASYMMETRIC.test(alg));
  if (algorithms.length === 0)
    throw new Error(`the issuer publishes no asymmetric algorithm (${published.join(', ')})`);
  const getKey = createRemoteJWKSet(new URL(document.jwks_uri), {
    cooldownDuration: settings.keyRefreshCooldownMs ?? 30_000,
    cacheMaxAge: settings.keyCacheMaxAgeMs ?? 10 * 60_000,
    timeoutDuration: settings.fetchTimeoutMs ?? 5000,
  });
  return { getKey, algorithms };
}
