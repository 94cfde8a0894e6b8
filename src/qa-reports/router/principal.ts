import type { Request } from 'express';
import { decisionNotice } from '../decision-notice.ts';
import type { PageContext } from '../layout-page.ts';
import type { Role, Session } from '../qa-session.ts';
import type { Actor } from '../report-store.ts';

/** Who is asking, as authenticate.ts found out. */
export interface Principal {
  readonly role: Role;
  readonly actor: string;
  /** Present for cookie sessions: the CSRF token forms and unsafe API calls must carry. */
  readonly csrf: string | undefined;
  /** The browser session behind a cookie-authenticated request (none for bearer tokens). */
  readonly session?: Session;
}

export type AuthedRequest = Request & { principal?: Principal };

export function principalOf(req: AuthedRequest): Principal {
  if (req.principal === undefined) throw new Error('authenticate middleware did not run');
  return req.principal;
}

export function pageContextOf(req: AuthedRequest): PageContext {
  const p = principalOf(req);
  return { actor: p.actor, role: p.role, csrf: p.csrf ?? '', notice: decisionNotice(req.query) };
}

export function actorOf(req: AuthedRequest): Actor {
  return { name: principalOf(req).actor, role: principalOf(req).role };
}
