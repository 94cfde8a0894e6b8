/** Whose bearer tokens the API's callers present: the issuer legacy's JwtBearer trusts. */
import type { EnvReader } from './env-reader.ts';

export interface AuthSettings {
  /** AUTH_ISSUER: the `iss` of accepted tokens (Entra ID: https://login.microsoftonline.com/<tenant>/v2.0). */
  readonly issuer: string;
  /** AUTH_AUDIENCE: one or more (comma-separated) accepted `aud` values, e.g. api://<app id> and the app id. */
  readonly audiences: readonly string[];
  /** AUTH_METADATA_URL: the discovery document, when it is not under the issuer. */
  readonly metadataUrl: string | undefined;
  /** AUTH_ORGANISATION_CLAIM (org_id) and AUTH_ROLE_CLAIM (roles): where the caller's tenant and roles are. */
  readonly organisationClaim: string;
  readonly roleClaim: string;
  /** AUTH_CLOCK_SKEW_SECONDS: ASP.NET's default, 300. */
  readonly clockSkewSeconds: number;
}

// Plain-HTTP metadata is accepted only from this machine, as ASP.NET's RequireHttpsMetadata=false would
// be only for a local issuer.
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;

export function readAuth(r: EnvReader): AuthSettings | undefined {
  const issuer = r.url('AUTH_ISSUER', ['https:', 'http:']);
  const audience = r.str('AUTH_AUDIENCE');
  const metadataUrl = r.url('AUTH_METADATA_URL', ['https:', 'http:']);
  const clockSkewSeconds = r.int('AUTH_CLOCK_SKEW_SECONDS', 300, 0, 3600);
  if (issuer === undefined) {
    if (audience !== undefined) r.problems.push('AUTH_ISSUER is required when AUTH_AUDIENCE is set');
    return undefined;
  }
  if (audience === undefined) r.problems.push('AUTH_AUDIENCE is required when AUTH_ISSUER is set');
  for (const [name, url] of [
    ['AUTH_ISSUER', issuer],
    ['AUTH_METADATA_URL', metadataUrl],
  ] as const) {
    if (url?.startsWith('http:') && !LOOPBACK.test(url))
      r.problems.push(`${name} must use https: (got "${url}")`);
  }
  return {
    issuer,
    audiences: (audience ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
    metadataUrl,
    organisationClaim: r.str('AUTH_ORGANISATION_CLAIM') ?? 'org_id',
    roleClaim: r.str('AUTH_ROLE_CLAIM') ?? 'roles',
    clockSkewSeconds,
  };
}
