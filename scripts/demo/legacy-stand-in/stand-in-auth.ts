/*
 * Who may call the stand-in, as the ASP.NET legacy decides it (Legacy.Api/Infrastructure/Authentication.cs):
 * with an issuer configured, each action asks for its policy and runs for the caller's organisation only;
 * without one the stand-in is open and unscoped, as the app is without Auth:Authority.
 */
import type http from 'node:http';

import { authenticate } from '../../../src/identity/authenticate.ts';
import type { RoutePolicy } from '../../../src/identity/principal.ts';
import { createTokenVerifier, type TokenVerifierSettings } from '../../../src/identity/token-verifier.ts';
import { sendEmpty } from './aspnet-json.ts';

/** The app's policies by the actions that ask for them; deleting an athlete also takes the coach role. */
export const STAND_IN_POLICIES = {
  athletesRead: { scopes: ['athletes:read'] },
  athletesWrite: { scopes: ['athletes:write'] },
  athletesDelete: { scopes: ['athletes:write'], role: 'coach' },
  wellnessRead: { scopes: ['wellness:read'] },
  wellnessWrite: { scopes: ['wellness:write'] },
  availabilityReport: { scopes: ['athletes:read', 'wellness:read'] },
} as const satisfies Record<string, RoutePolicy>;

/** Let in, with the organisation every query is scoped to (undefined: open, unscoped), or refused. */
export type Admission =
  { readonly admitted: true; readonly organisationId: string | undefined } | { readonly admitted: false };

/** Admits the request under the action's policy, or answers the 401 or 403 legacy answers. */
export type Admit = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  policy: RoutePolicy,
) => Promise<Admission>;

export function createAdmit(auth: TokenVerifierSettings | undefined): Admit {
  if (auth === undefined) return () => Promise.resolve({ admitted: true, organisationId: undefined });
  const verifier = createTokenVerifier(auth);
  return async (req, res, policy) => {
    const outcome = await authenticate(verifier, req.headers.authorization, policy);
    if (outcome.outcome === 'allowed') {
      return { admitted: true, organisationId: outcome.principal.organisationId };
    }
    // JwtBearer's challenge and forbid write no body.
    sendEmpty(
      res,
      outcome.status,
      outcome.status === 401 ? { 'WWW-Authenticate': outcome.wwwAuthenticate } : {},
    );
    return { admitted: false };
  };
}
