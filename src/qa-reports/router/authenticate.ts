import type { NextFunction, Response } from 'express';
import { sendTooManyAttempts } from '../../admin/auth.ts';
import { parseCookies, serializeCookie } from '../cookies.ts';
import { csrfTokenFor, csrfTokenValid, SESSION_COOKIE, verifySession } from '../qa-session.ts';
import { messagePage } from './message-page.ts';
import type { AuthedRequest } from './principal.ts';
import type { QaRouterContext } from './qa-router-context.ts';
import { bodyOf } from './request-input.ts';

type Middleware = (req: AuthedRequest, res: Response, next: NextFunction) => Promise<void>;

/**
 * Everything past sign-in: a bearer token (API clients) or a session cookie (the pages, and the API
 * when the pages call it). Sets req.principal, or answers 401/403/429 itself.
 */
export function createAuthenticate(ctx: QaRouterContext): Middleware {
  return async (req, res, next) => {
    if (req.headers.authorization !== undefined) {
      if (authenticateBearer(ctx, req, res, req.headers.authorization)) next();
      return;
    }
    if (await authenticateSession(ctx, req, res)) next();
  };
}

function authenticateBearer(
  ctx: QaRouterContext,
  req: AuthedRequest,
  res: Response,
  authorization: string,
): boolean {
  const attempt = ctx.auth.attemptBearer(req.socket.remoteAddress, authorization);
  if (attempt.outcome === 'blocked') {
    sendTooManyAttempts(res, attempt.retryAfterSeconds);
    return false;
  }
  if (attempt.outcome !== 'granted') {
    res.setHeader('WWW-Authenticate', 'Bearer realm="strangler-admin"');
    res.status(401).json({ error: 'unauthorized', message: 'unknown bearer token' });
    return false;
  }
  const role = attempt.role;
  const actorHeader = req.headers['x-actor'];
  const actor =
    typeof actorHeader === 'string' && actorHeader.trim() !== '' ? actorHeader.trim().slice(0, 100) : role;
  req.principal = { role, actor: `${actor} (api)`, csrf: undefined };
  return true;
}

async function authenticateSession(
  ctx: QaRouterContext,
  req: AuthedRequest,
  res: Response,
): Promise<boolean> {
  const isApi = req.originalUrl.startsWith('/api/');
  const cookie = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
  const signed = cookie === undefined ? undefined : verifySession(ctx.key, cookie, ctx.now().getTime());
  // A signed-out session stays refused on every replica, though its signature is still good.
  const session = signed === undefined || (await ctx.store.isSessionRevoked(signed.id)) ? undefined : signed;
  if (session === undefined) {
    // An expired, tampered or signed-out cookie is dropped from the browser as well.
    if (cookie !== undefined && !isApi) {
      res.setHeader(
        'Set-Cookie',
        serializeCookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure: ctx.secure }),
      );
    }
    if (isApi) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="strangler-admin"');
      res.status(401).json({ error: 'unauthorized', message: 'bearer token or session required' });
    } else if (req.method === 'GET') {
      res.redirect(303, `/reports/login?next=${encodeURIComponent(req.originalUrl)}`);
    } else {
      res.status(401).type('html').send(messagePage('Signed out', 'Your session ended. Sign in again.'));
    }
    return false;
  }
  req.principal = {
    role: session.role,
    actor: session.actor,
    csrf: csrfTokenFor(ctx.key, session.id),
    session,
  };
  // Cookie-authenticated changes must prove they come from our own pages (CSRF).
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const presented = isApi ? req.headers['x-csrf-token'] : bodyOf(req)._csrf;
    if (!csrfTokenValid(ctx.key, session.id, presented)) {
      if (isApi) res.status(403).json({ error: 'csrf', message: 'missing or invalid X-CSRF-Token' });
      else res.status(403).type('html').send(messagePage('Form expired', 'Reload the page and try again.'));
      return false;
    }
  }
  return true;
}

/** For revoking rules and deleting groups: a QA session gets 403 and changes nothing. */
export function createOperatorOnly(ctx: QaRouterContext) {
  return (req: AuthedRequest, res: Response, next: NextFunction): void => {
    if (req.principal?.role === 'operator') {
      next();
      return;
    }
    ctx.logger.warn('qa-reports operator action refused', {
      path: req.originalUrl,
      actor: req.principal?.actor,
    });
    if (req.originalUrl.startsWith('/api/')) {
      res.status(403).json({ error: 'forbidden', message: 'operator role required' });
    } else {
      res
        .status(403)
        .type('html')
        .send(messagePage('Operator role required', 'Only an operator can do this.'));
    }
  };
}
