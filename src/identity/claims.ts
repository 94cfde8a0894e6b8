/*
 * The principal from a verified token's claims. Claim names differ between identity providers: Entra ID
 * grants delegated scopes in `scp` and app roles in `roles`, Auth0 scopes in `scope`; the organisation
 * claim is the API's own (`org_id` by default).
 */
import type { Principal } from './principal.ts';

export interface ClaimNames {
  /** Default `org_id`. Its value must be a GUID, as legacy's organisation keys are. */
  readonly organisationClaim?: string;
  /** Default `roles`. */
  readonly roleClaim?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// A claim may be one string or an array of them (JWT writers differ); scopes are space-separated.
function values(claim: unknown): string[] {
  if (typeof claim === 'string') return [claim];
  return Array.isArray(claim) ? claim.filter((value): value is string => typeof value === 'string') : [];
}

const scopesOf = (claims: Record<string, unknown>): Set<string> =>
  new Set(
    [...values(claims.scope), ...values(claims.scp)].flatMap((value) => value.split(' ')).filter(Boolean),
  );

/**
 * The caller; `organisationId` is '' when the claim is missing or not a GUID, which no organisation has,
 * so the caller is refused by every policy (see authorize) rather than let through unscoped.
 */
export function principalFrom(claims: Record<string, unknown>, names: ClaimNames): Principal {
  const organisation = claims[names.organisationClaim ?? 'org_id'];
  return {
    subject: typeof claims.sub === 'string' ? claims.sub : '',
    organisationId:
      typeof organisation === 'string' && GUID.test(organisation) ? organisation.toLowerCase() : '',
    scopes: scopesOf(claims),
    roles: new Set(values(claims[names.roleClaim ?? 'roles'])),
  };
}
