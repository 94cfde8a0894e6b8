/*
 * The parts of a route record about its caller: who a caller is for a sticky canary, and what the
 * caller's token must grant. Checked with the rest of the record, every problem reported at once.
 */
import { VERIFIED_CLAIMS } from './route.ts';

type Report = (problem: string) => void;

/** RFC 9110 §5.6.2 token. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A token's scopes are one space-separated string (RFC 6749 §3.3): a scope holds no whitespace. */
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const POLICY_KEYS: ReadonlySet<string> = new Set(['scopes', 'role']);

export function validateStickiness(key: unknown, hasPolicy: boolean, report: Report): void {
  if (typeof key !== 'object' || key === null) {
    report('stickiness key is required');
    return;
  }
  const { kind } = key as { kind?: unknown };
  if (kind === 'header') {
    const { name } = key as { name?: unknown };
    if (typeof name !== 'string' || !HEADER_NAME.test(name)) {
      report(`stickiness header name ${JSON.stringify(name)} is not a valid HTTP header name`);
    }
  } else if (kind === 'jwt-claim') {
    const { claim } = key as { claim?: unknown };
    if (typeof claim !== 'string' || claim.trim() === '') report('stickiness JWT claim must be non-empty');
  } else if (kind === 'verified-claim') {
    const { claim } = key as { claim?: unknown };
    if (!VERIFIED_CLAIMS.includes(claim as never)) {
      report(
        `stickiness verified claim must be one of ${VERIFIED_CLAIMS.join(', ')} (got ${JSON.stringify(claim)})`,
      );
    }
    // Only a route with a policy has its caller verified; without one the claim would never be known.
    if (!hasPolicy) report('stickiness verified-claim needs a policy on the route');
  } else if (kind !== 'client-address') {
    report(
      `stickiness kind ${JSON.stringify(kind)} is not header, jwt-claim, verified-claim or client-address`,
    );
  }
}

/** A policy's scopes are non-empty tokens, listed once; its role, when named, is non-empty. */
export function validatePolicy(policy: unknown, report: Report): void {
  if (policy === undefined) return;
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    report('policy must be an object with scopes and an optional role');
    return;
  }
  for (const key of Object.keys(policy)) {
    if (!POLICY_KEYS.has(key)) report(`policy has an unknown setting ${JSON.stringify(key)}`);
  }
  const { scopes, role } = policy as { scopes?: unknown; role?: unknown };
  if (!Array.isArray(scopes)) {
    report('policy.scopes must be a list of scopes (empty: any caller of an organisation)');
  } else {
    const seen = new Set<string>();
    for (const scope of scopes as unknown[]) {
      if (typeof scope !== 'string' || !SCOPE.test(scope)) {
        report(`policy.scopes: ${JSON.stringify(scope)} is not a scope (no spaces, quotes or backslashes)`);
      } else if (seen.has(scope)) {
        report(`policy.scopes: ${scope} listed twice`);
      } else {
        seen.add(scope);
      }
    }
  }
  if (role !== undefined && (typeof role !== 'string' || role.trim() === '' || role.trim() !== role)) {
    report(`policy.role must be a non-empty name without surrounding spaces (got ${JSON.stringify(role)})`);
  }
}
