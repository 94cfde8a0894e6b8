import express, { type Request, type Response, type Router } from 'express';
import { plainHttpHostname } from '../../admin/admin-transport.ts';
import { errorDetails } from '../../observability/logger.ts';
import { parseCookies, serializeCookie } from '../cookies.ts';
import { loginPage, plainHttpSignInPage } from '../login-page.ts';
import {
  issueSession,
  LOGIN_NONCE_COOKIE,
  loginCsrfTokenFor,
  loginCsrfTokenValid,
  newLoginNonce,
  SESSION_COOKIE,
} from '../qa-session.ts';
import { messagePage } from './message-page.ts';
import { actorOf, principalOf, type AuthedRequest } from './principal.ts';
import type { QaRouterContext } from './qa-router-context.ts';
import { bodyOf } from './request-input.ts';

const LOGIN_NONCE_TTL_S = 15 * 60;

/** The sign-in form and its post; mounted before authentication, since it is how one gets a session. */
export function mountSignIn(router: Router, ctx: QaRouterContext, form: express.RequestHandler): void {
  router.get('/reports/login', (req, res) => {
    const nonce = newLoginNonce();
    res.setHeader('Set-Cookie', nonceCookie(ctx, nonce));
    const csrf = loginCsrfTokenFor(ctx.key, nonce);
    res.type('html').send(loginPage(csrf, safeNext(req.query.next), undefined, plainHttpHostname(req)));
  });
  router.post('/reports/login', form, (req, res) => signIn(ctx, req, res));
}

/** Sign-out and the API's "who am I"; mounted after authentication. */
export function mountSessionRoutes(router: Router, ctx: QaRouterContext): void {
  router.post('/reports/logout', async (req: AuthedRequest, res) => {
    const session = principalOf(req).session;
    // Clearing the cookie only ends this browser's copy; listing the session ends every copy of it.
    // The cookie is cleared even when the list cannot be written (database down): the user asked out.
    if (session !== undefined) {
      await ctx.store
        .revokeSession(session.id, new Date(session.expiresAt), actorOf(req))
        .catch((error: unknown) =>
          ctx.logger.error(
            'sign-out could not be recorded; the session stays valid elsewhere until it expires',
            { actor: session.actor, error: errorDetails(error) },
          ),
        );
    }
    res.setHeader(
      'Set-Cookie',
      serializeCookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure: ctx.secure }),
    );
    res.redirect(303, '/reports/login');
  });

  router.get('/api/reports/session', (req: AuthedRequest, res) => {
    const p = principalOf(req);
    res.json({ role: p.role, actor: p.actor, csrfToken: p.csrf ?? null });
  });
}

function signIn(ctx: QaRouterContext, req: Request, res: Response): void {
  const body = bodyOf(req);
  const nonce = parseCookies(req.headers.cookie).get(LOGIN_NONCE_COOKIE);
  const next = safeNext(body.next);
  if (!loginCsrfTokenValid(ctx.key, nonce, body._csrf)) {
    // Over plain http under a network name the browser never stored the nonce cookie: reloading would
    // not help, so say what would.
    const plainHttpHost = plainHttpHostname(req);
    res
      .status(403)
      .type('html')
      .send(
        plainHttpHost === undefined
          ? messagePage('Sign-in form expired', 'Reload the sign-in page and try again.')
          : plainHttpSignInPage(plainHttpHost),
      );
    return;
  }
  const token = typeof body.token === 'string' ? body.token.trim() : '';
  const name = typeof body.name === 'string' ? body.name.trim().slice(0, 100) : '';
  const again = (status: number, message: string): void => {
    const fresh = newLoginNonce();
    res.setHeader('Set-Cookie', nonceCookie(ctx, fresh));
    res
      .status(status)
      .type('html')
      .send(loginPage(loginCsrfTokenFor(ctx.key, fresh), next, message, plainHttpHostname(req)));
  };
  // Without a name the token is not looked at, so this answer says nothing about it and costs no attempt.
  const attempt = name === '' ? undefined : ctx.auth.attemptToken(req.socket.remoteAddress, token);
  if (attempt?.outcome === 'blocked') {
    // Not logged: the limiter logged once when the address became blocked.
    res.setHeader('Retry-After', String(attempt.retryAfterSeconds));
    again(
      429,
      'Too many failed sign-in attempts from your address. Sign-in is blocked for ' +
        `${waitText(attempt.retryAfterSeconds)}; try again after that.`,
    );
    return;
  }
  if (attempt?.outcome !== 'granted') {
    ctx.logger.warn('qa-reports sign-in refused', { remoteAddress: req.socket.remoteAddress });
    again(401, name === '' ? 'Enter your name.' : 'Unknown token.');
    return;
  }
  const { cookieValue } = issueSession(ctx.key, attempt.role, name, ctx.now().getTime(), ctx.ttlMs);
  res.setHeader('Set-Cookie', [
    serializeCookie(SESSION_COOKIE, cookieValue, {
      maxAgeSeconds: Math.floor(ctx.ttlMs / 1000),
      secure: ctx.secure,
    }),
    serializeCookie(LOGIN_NONCE_COOKIE, '', { maxAgeSeconds: 0, secure: ctx.secure }),
  ]);
  res.redirect(303, next);
}

function nonceCookie(ctx: QaRouterContext, nonce: string): string {
  return serializeCookie(LOGIN_NONCE_COOKIE, nonce, { maxAgeSeconds: LOGIN_NONCE_TTL_S, secure: ctx.secure });
}

/** "4 minutes", "1 minute", "45 seconds": how long a blocked sign-in waits, for people. */
export function waitText(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** Only our own pages: `//evil.example` or `https://…` would turn sign-in into an open redirect. */
export function safeNext(value: unknown): string {
  if (typeof value === 'string' && /^\/reports(?:[/?#]|$)/.test(value) && !value.startsWith('//'))
    return value;
  return '/reports';
}
