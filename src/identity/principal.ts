/** The verified caller of a request, as the handlers and the data layer see it. */
export interface Principal {
  /** `sub`: who called (kept with shadow samples for QA; the token itself never is). */
  readonly subject: string;
  /** The organisation every query is scoped to (a GUID, from the organisation claim). */
  readonly organisationId: string;
  readonly scopes: ReadonlySet<string>;
  readonly roles: ReadonlySet<string>;
}

/** What a route asks of its caller; every scope listed and the role, if one is named. */
export interface RoutePolicy {
  readonly scopes: readonly string[];
  readonly role?: string;
}

/**
 * Allowed, or the 403 ASP.NET's authorization gives a caller whose token lacks a scope, the role or a
 * usable organisation.
 */
export function authorize(principal: Principal, policy: RoutePolicy): boolean {
  if (principal.organisationId === '') return false;
  if (!policy.scopes.every((scope) => principal.scopes.has(scope))) return false;
  return policy.role === undefined || principal.roles.has(policy.role);
}
