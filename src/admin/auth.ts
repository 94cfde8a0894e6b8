import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { createAuthFailureLimiter } from './auth-failure-limiter.ts';
import type { AuthFailureLimiter } from './auth-failure-limiter.ts';
import { sendProblem } from '../proxy/problem-response.ts';

/** Admin roles: QA reads reports and accepts differences; operator can do everything. */
export type AdminRole = 'qa' | 'operator';

export interface AdminTokens {
  readonly adminQaToken: string;
  readonly adminOperatorToken: string;
}

/** What one presented credential gets, after the failed-attempt limiter has had its say. */
export type AuthAttempt =
  | { readonly outcome: 'granted'; readonly role: AdminRole }
  /** Nothing presented: not a guess, so not counted (probes, browsers before they sign in). */
  | { readonly outcome: 'missing' }
  /** A wrong credential; counted against the client's address. */
  | { readonly outcome: 'refused' }
  /** Too many wrong ones from this address lately; the credential was not even checked. */
  | { readonly outcome: 'blocked'; readonly retryAfterSeconds: number };

export interface AdminAuth {
  /** An `Authorization` header sent from `remoteAddress`, checked through the failed-attempt limiter. */
  attemptBearer(remoteAddress: string | undefined, authorization: string | undefined): AuthAttempt;
  /** A token typed on the QA sign-in form, through the same limiter as bearer tokens. */
  attemptToken(remoteAddress: string | undefined, token: string): AuthAttempt;
  /**
   * Express middleware: 401 without a valid bearer token, 403 when the role is not enough, 429 while
   * the client's address is blocked for too many wrong tokens.
   */
  require(role: AdminRole): RequestHandler;
}

export interface AdminAuthOptions {
  /**
   * One per admin server, shared by every way of presenting a token (bearer header, sign-in form), so
   * switching between them gains an attacker nothing. Default: 10 failures per 5 minutes per address.
   */
  readonly limiter?: AuthFailureLimiter;
  /** Gets one warning each time an address becomes blocked. */
  readonly logger?: Logger;
  /** strangler_admin_auth_blocked_total counts the attempts refused while blocked. */
  readonly metrics?: Pick<Metrics, 'adminAuthBlocked'>;
}

// RFC 6750 §2.1: the scheme is case-insensitive. Any non-blank token is taken (not just token68) so
// an operator-chosen ADMIN_*_TOKEN with other characters still works.
const BEARER = /^Bearer +(\S+) *$/i;

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

const MISSING: AuthAttempt = { outcome: 'missing' };
const REFUSED: AuthAttempt = { outcome: 'refused' };

/** The role a token grants, compared in constant time. */
function tokenRoles(tokens: AdminTokens): (token: string) => AdminRole | undefined {
  // Digests are equal-length, so timingSafeEqual never throws and the comparison leaks neither the
  // token's length nor where it first differs.
  const qa = digest(tokens.adminQaToken);
  const operator = digest(tokens.adminOperatorToken);
  return (token) => {
    const presented = digest(token);
    // Both comparisons always run so the timing does not say which role a token is close to.
    const isOperator = timingSafeEqual(presented, operator);
    const isQa = timingSafeEqual(presented, qa);
    if (isOperator) return 'operator';
    return isQa ? 'qa' : undefined;
  };
}

/** One presented credential through the failed-attempt limiter; `check` runs only when not blocked. */
function limitedAttempt(
  limiter: AuthFailureLimiter,
  options: AdminAuthOptions,
  remoteAddress: string | undefined,
  credential: string,
  check: () => AdminRole | undefined,
): AuthAttempt {
  if (credential.trim() === '') return MISSING;
  // Keyed by the socket's peer, never X-Forwarded-For: the admin port is not behind our own proxy,
  // so any forwarding header is the client's to forge. A peer already gone has no address; those
  // share one bucket rather than escaping the count.
  const address = remoteAddress ?? 'unknown';
  const retryAfterSeconds = limiter.retryAfterSeconds(address);
  if (retryAfterSeconds !== undefined) {
    options.metrics?.adminAuthBlocked.inc();
    return { outcome: 'blocked', retryAfterSeconds };
  }
  const role = check();
  if (role !== undefined) {
    // A success does not clear the address's failures: otherwise a holder of the QA token could
    // interleave it with guesses at the operator token and never be blocked.
    return { outcome: 'granted', role };
  }
  if (limiter.recordFailure(address)) {
    options.logger?.warn('admin authentication blocked for an address after repeated wrong tokens', {
      remoteAddress: address,
      failures: limiter.maxFailures,
      windowSeconds: limiter.windowMs / 1000,
      retryAfterSeconds: limiter.retryAfterSeconds(address),
    });
  }
  return REFUSED;
}

/** Express middleware over a bearer-token attempt: 429 while blocked, 401 without a grant, 403 below the role. */
function requireRole(attemptBearer: AdminAuth['attemptBearer'], required: AdminRole): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const result = attemptBearer(req.socket.remoteAddress, req.headers.authorization);
    if (result.outcome === 'blocked') {
      sendTooManyAttempts(res, result.retryAfterSeconds);
      return;
    }
    if (result.outcome !== 'granted') {
      res.set('WWW-Authenticate', 'Bearer realm="strangler-admin"');
      sendProblem(res, {
        status: 401,
        title: 'Unauthorized',
        detail: 'A valid admin bearer token is required (ADMIN_QA_TOKEN or ADMIN_OPERATOR_TOKEN).',
      });
      return;
    }
    const role = result.role;
    if (!grants(role, required)) {
      sendProblem(res, {
        status: 403,
        title: 'Forbidden',
        detail: `This action needs the ${required} role.`,
      });
      return;
    }
    res.locals.adminRole = role;
    next();
  };
}

export function createAdminAuth(tokens: AdminTokens, options: AdminAuthOptions = {}): AdminAuth {
  const roleForToken = tokenRoles(tokens);
  const limiter = options.limiter ?? createAuthFailureLimiter();

  const attemptBearer = (
    remoteAddress: string | undefined,
    authorization: string | undefined,
  ): AuthAttempt => {
    if (authorization === undefined) return MISSING;
    // Any other scheme (Basic, a bare token) is a wrong credential too, and counts as one.
    return limitedAttempt(limiter, options, remoteAddress, authorization, () => {
      const token = BEARER.exec(authorization)?.[1];
      return token === undefined ? undefined : roleForToken(token);
    });
  };

  return {
    attemptBearer,
    attemptToken: (remoteAddress, token) =>
      limitedAttempt(limiter, options, remoteAddress, token, () => roleForToken(token)),
    require: (required) => requireRole(attemptBearer, required),
  };
}

/** Operator includes everything QA may do. */
export function grants(role: AdminRole, required: AdminRole): boolean {
  return role === 'operator' || required === 'qa';
}

/** 429 problem+json for a client whose address is blocked (AuthAttempt 'blocked'). */
export function sendTooManyAttempts(res: Response, retryAfterSeconds: number): void {
  res.set('Retry-After', String(retryAfterSeconds));
  sendProblem(res, {
    status: 429,
    title: 'Too Many Requests',
    detail:
      'Too many wrong admin tokens from this address: authentication attempts are temporarily blocked. ' +
      `Retry after ${retryAfterSeconds} seconds.`,
  });
}
