import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Browser sessions for the QA pages as a signed, stateless cookie (HMAC-SHA256), so any replica that
 * knows the admin tokens accepts a session another replica issued: no session store, nothing to
 * share. The signing key is derived from both admin tokens, so rotating a token ends every session.
 */
export type Role = 'qa' | 'operator';

export interface Session {
  readonly role: Role;
  /** Who signed in, as typed on the login page; recorded with every change they make. */
  readonly actor: string;
  /** Random per sign-in; the CSRF token is bound to it. */
  readonly id: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export interface RoleTokens {
  readonly adminQaToken: string;
  readonly adminOperatorToken: string;
}

export const SESSION_COOKIE = '__Host-strangler-qa';
export const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60 * 1000;

export function deriveSessionKey(tokens: RoleTokens): Buffer {
  return createHmac('sha256', `${tokens.adminQaToken}\n${tokens.adminOperatorToken}`)
    .update('strangler qa-reports session key v1')
    .digest();
}

function sign(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

export function issueSession(
  key: Buffer,
  role: Role,
  actor: string,
  now: number,
  ttlMs = DEFAULT_SESSION_TTL_MS,
): { session: Session; cookieValue: string } {
  const session: Session = { role, actor, id: randomBytes(16).toString('base64url'), expiresAt: now + ttlMs };
  const payload = Buffer.from(JSON.stringify(session), 'utf8').toString('base64url');
  return { session, cookieValue: `${payload}.${sign(key, payload)}` };
}

export function verifySession(key: Buffer, cookieValue: string, now: number): Session | undefined {
  const dot = cookieValue.indexOf('.');
  if (dot <= 0) return undefined;
  const payload = cookieValue.slice(0, dot);
  const mac = Buffer.from(cookieValue.slice(dot + 1), 'base64url');
  const expected = Buffer.from(sign(key, payload), 'base64url');
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!isSession(parsed) || parsed.expiresAt <= now) return undefined;
    return parsed;
  } catch (error: unknown) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    (v.role === 'qa' || v.role === 'operator') &&
    typeof v.actor === 'string' &&
    typeof v.id === 'string' &&
    typeof v.expiresAt === 'number'
  );
}

/**
 * CSRF synchronizer token without server state: an HMAC of the session id, so a form is only valid
 * for the session that rendered it (OWASP CSRF cheat sheet, "signed double-submit" variant).
 */
export function csrfTokenFor(key: Buffer, sessionId: string): string {
  return sign(key, `csrf:${sessionId}`);
}

export function csrfTokenValid(key: Buffer, sessionId: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented === '') return false;
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(csrfTokenFor(key, sessionId), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The login form has no session yet: its token is bound to a random nonce kept in a short-lived cookie. */
export const LOGIN_NONCE_COOKIE = '__Host-strangler-qa-login';

export function newLoginNonce(): string {
  return randomBytes(16).toString('base64url');
}

export function loginCsrfTokenFor(key: Buffer, nonce: string): string {
  return sign(key, `login:${nonce}`);
}

export function loginCsrfTokenValid(key: Buffer, nonce: unknown, presented: unknown): boolean {
  if (typeof nonce !== 'string' || nonce === '' || typeof presented !== 'string') return false;
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(loginCsrfTokenFor(key, nonce), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
