import type { RoutePolicy } from '../../src/identity/principal.ts';

/*
 * Legacy's authorization policies (scripts/legacy-aspnet/Legacy.Api/Infrastructure/Authentication.cs),
 * by the same names: a migrated route asks for what the [Authorize] on its legacy action asks for.
 */
export const POLICIES = {
  athletesRead: { scopes: ['athletes:read'] },
  athletesWrite: { scopes: ['athletes:write'] },
  /** Deleting an athlete takes the write scope and the coach role. */
  athletesDelete: { scopes: ['athletes:write'], role: 'coach' },
  wellnessRead: { scopes: ['wellness:read'] },
  wellnessWrite: { scopes: ['wellness:write'] },
} as const satisfies Record<string, RoutePolicy>;
