import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { FlagResolver } from '../../flags/flag-resolver.ts';
import { sendTooManyAttempts, type AdminAuth } from '../admin/auth.ts';
import type { Logger } from '../observability/logger.ts';
import { errorDetails } from '../observability/logger.ts';
import type { RouteRecord } from '../routing/route.ts';
import { auditPage } from './audit-page.ts';
import { BadRequestError } from './bad-request-error.ts';
import { parseCookies, serializeCookie } from './cookies.ts';
import { groupPage } from './group-page.ts';
import { markup } from './html.ts';
import { layoutPage, type PageContext } from './layout-page.ts';
import { loginPage } from './login-page.ts';
import { NotFoundError } from './not-found-error.ts';
import { OPENAPI_DOCUMENT } from './openapi-document.ts';
import { overviewPage } from './overview-page.ts';
import {
  csrfTokenFor,
  csrfTokenValid,
  DEFAULT_SESSION_TTL_MS,
  deriveSessionKey,
  issueSession,
  LOGIN_NONCE_COOKIE,
  loginCsrfTokenFor,
  loginCsrfTokenValid,
  newLoginNonce,
  SESSION_COOKIE,
  verifySession,
  type Role,
  type RoleTokens,
  type Session,
} from './qa-session.ts';
import { GROUP_STATUSES, type Actor, type GroupStatus, type ReportStore } from './report-store.ts';
import { REPORTS_CSS } from './reports-css.ts';
import { routePage } from './route-page.ts';
import { samplePage } from './sample-page.ts';
import { securityHeaders } from './security-headers.ts';
import { parseWindow } from './time-window.ts';
import { buildOverview, buildRouteReport } from './report-builder.ts';
import {
  buildDiffReport,
  DIFF_REPORT_FORMATS,
  renderDiffReport,
  type DiffReportFormat,
} from './diff-report-export.ts';

export interface QaReportsRouterDeps {
  readonly store: ReportStore;
  readonly routes: readonly RouteRecord[];
  readonly flags: Pick<FlagResolver, 'currentMode'>;
  /** Signs the session cookies. */
  readonly tokens: RoleTokens;
  /**
   * The admin server's own auth (an AdminExtension's second argument): the sign-in form and bearer
   * tokens here must count against the same wrong-token limiter as the rest of the admin port.
   */
  readonly auth: AdminAuth;
  readonly logger: Logger;
  readonly now?: () => Date;
  /** Default true. Only for plain-http tests against a non-localhost name; browsers drop Secure cookies there. */
  readonly secureCookies?: boolean;
  readonly sessionTtlMs?: number;
  /** Called after a rule is created or revoked, e.g. AcceptedRulesCache.refresh, so it applies at once. */
  readonly onRulesChanged?: () => Promise<void> | void;
}

interface Principal {
  readonly role: Role;
  readonly actor: string;
  /** Present for cookie sessions: the CSRF token forms and unsafe API calls must carry. */
  readonly csrf: string | undefined;
  /** The browser session behind a cookie-authenticated request (none for bearer tokens). */
  readonly session?: Session;
}

type AuthedRequest = Request & { principal?: Principal };

const SERIES_BUCKETS = 24;
const LOGIN_NONCE_TTL_S = 15 * 60;
const MAX_TEXT = 2000;

/**
 * The QA diff reports (issue #6): pages under /reports, their JSON API under /api/reports and the
 * API's OpenAPI document at /openapi.json. Mounted on the admin port (src/main.ts), never the public one.
 */
export function createQaReportsRouter(deps: QaReportsRouterDeps): Router {
  const router = express.Router();
  const key = deriveSessionKey(deps.tokens);
  const auth = deps.auth;
  const now = deps.now ?? (() => new Date());
  const secure = deps.secureCookies ?? true;
  const ttlMs = deps.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  const routesById = new Map(deps.routes.map((r) => [r.id, r]));
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });
  const json = express.json({ limit: '16kb' });

  router.use(['/reports', '/api/reports', '/openapi.json'], securityHeaders);

  router.get('/reports/static/reports.css', (_req, res) => {
    res.type('text/css').send(REPORTS_CSS);
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(OPENAPI_DOCUMENT);
  });

  // ------------------------------------------------------------------ sign-in

  router.get('/reports/login', (req, res) => {
    const nonce = newLoginNonce();
    res.setHeader(
      'Set-Cookie',
      serializeCookie(LOGIN_NONCE_COOKIE, nonce, { maxAgeSeconds: LOGIN_NONCE_TTL_S, secure }),
    );
    res.type('html').send(loginPage(loginCsrfTokenFor(key, nonce), safeNext(req.query.next), undefined));
  });

  router.post('/reports/login', form, (req, res) => {
    const body = formBody(req);
    const nonce = parseCookies(req.headers.cookie).get(LOGIN_NONCE_COOKIE);
    const next = safeNext(body.next);
    if (!loginCsrfTokenValid(key, nonce, body._csrf)) {
      res
        .status(403)
        .type('html')
        .send(messagePage('Sign-in form expired', 'Reload the sign-in page and try again.'));
      return;
    }
    const token = typeof body.token === 'string' ? body.token.trim() : '';
    const name = typeof body.name === 'string' ? body.name.trim().slice(0, 100) : '';
    const again = (status: number, message: string): void => {
      const fresh = newLoginNonce();
      res.setHeader(
        'Set-Cookie',
        serializeCookie(LOGIN_NONCE_COOKIE, fresh, { maxAgeSeconds: LOGIN_NONCE_TTL_S, secure }),
      );
      res
        .status(status)
        .type('html')
        .send(loginPage(loginCsrfTokenFor(key, fresh), next, message));
    };
    // Without a name the token is not looked at, so this answer says nothing about it and costs no attempt.
    const attempt = name === '' ? undefined : auth.attemptToken(req.socket.remoteAddress, token);
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
      deps.logger.warn('qa-reports sign-in refused', { remoteAddress: req.socket.remoteAddress });
      again(401, name === '' ? 'Enter your name.' : 'Unknown token.');
      return;
    }
    const { cookieValue } = issueSession(key, attempt.role, name, now().getTime(), ttlMs);
    res.setHeader('Set-Cookie', [
      serializeCookie(SESSION_COOKIE, cookieValue, { maxAgeSeconds: Math.floor(ttlMs / 1000), secure }),
      serializeCookie(LOGIN_NONCE_COOKIE, '', { maxAgeSeconds: 0, secure }),
    ]);
    res.redirect(303, next);
  });

  // ------------------------------------------------------------------ authentication for everything below

  const authenticate = async (req: AuthedRequest, res: Response, next: NextFunction): Promise<void> => {
    const isApi = req.originalUrl.startsWith('/api/');
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const attempt = auth.attemptBearer(req.socket.remoteAddress, authorization);
      if (attempt.outcome === 'blocked') {
        sendTooManyAttempts(res, attempt.retryAfterSeconds);
        return;
      }
      if (attempt.outcome !== 'granted') {
        res.setHeader('WWW-Authenticate', 'Bearer realm="strangler-admin"');
        res.status(401).json({ error: 'unauthorized', message: 'unknown bearer token' });
        return;
      }
      const role = attempt.role;
      const actorHeader = req.headers['x-actor'];
      const actor =
        typeof actorHeader === 'string' && actorHeader.trim() !== ''
          ? actorHeader.trim().slice(0, 100)
          : role;
      req.principal = { role, actor: `${actor} (api)`, csrf: undefined };
      next();
      return;
    }
    const cookie = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    const signed = cookie === undefined ? undefined : verifySession(key, cookie, now().getTime());
    // A signed-out session stays refused on every replica, though its signature is still good.
    const session =
      signed === undefined || (await deps.store.isSessionRevoked(signed.id)) ? undefined : signed;
    if (session === undefined) {
      // An expired, tampered or signed-out cookie is dropped from the browser as well.
      if (cookie !== undefined && !isApi) {
        res.setHeader('Set-Cookie', serializeCookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure }));
      }
      if (isApi) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="strangler-admin"');
        res.status(401).json({ error: 'unauthorized', message: 'bearer token or session required' });
      } else if (req.method === 'GET') {
        res.redirect(303, `/reports/login?next=${encodeURIComponent(req.originalUrl)}`);
      } else {
        res.status(401).type('html').send(messagePage('Signed out', 'Your session ended. Sign in again.'));
      }
      return;
    }
    req.principal = {
      role: session.role,
      actor: session.actor,
      csrf: csrfTokenFor(key, session.id),
      session,
    };
    // Cookie-authenticated changes must prove they come from our own pages (CSRF, issue #6 §4).
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const presented = isApi ? req.headers['x-csrf-token'] : formBody(req)._csrf;
      if (!csrfTokenValid(key, session.id, presented)) {
        if (isApi) res.status(403).json({ error: 'csrf', message: 'missing or invalid X-CSRF-Token' });
        else res.status(403).type('html').send(messagePage('Form expired', 'Reload the page and try again.'));
        return;
      }
    }
    next();
  };

  const operatorOnly = (req: AuthedRequest, res: Response, next: NextFunction): void => {
    if (req.principal?.role === 'operator') {
      next();
      return;
    }
    deps.logger.warn('qa-reports operator action refused', {
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

  router.use('/api/reports', json, authenticate);
  router.use('/reports', form, authenticate);

  const principal = (req: AuthedRequest): Principal => {
    if (req.principal === undefined) throw new Error('authenticate middleware did not run');
    return req.principal;
  };
  const context = (req: AuthedRequest): PageContext => {
    const p = principal(req);
    return { actor: p.actor, role: p.role, csrf: p.csrf ?? '' };
  };
  const actorOf = (req: AuthedRequest): Actor => ({ name: principal(req).actor, role: principal(req).role });
  const routeOr404 = (routeId: string): RouteRecord => {
    const route = routesById.get(routeId);
    if (route === undefined) throw new NotFoundError(`route ${routeId}`);
    return route;
  };
  const reportDeps = { store: deps.store, flags: deps.flags, seriesBuckets: SERIES_BUCKETS };

  router.post('/reports/logout', async (req: AuthedRequest, res) => {
    const session = principal(req).session;
    // Clearing the cookie only ends this browser's copy; listing the session ends every copy of it.
    // The cookie is cleared even when the list cannot be written (database down): the user asked out.
    if (session !== undefined) {
      await deps.store
        .revokeSession(session.id, new Date(session.expiresAt), actorOf(req))
        .catch((error: unknown) =>
          deps.logger.error(
            'sign-out could not be recorded; the session stays valid elsewhere until it expires',
            {
              actor: session.actor,
              error: errorDetails(error),
            },
          ),
        );
    }
    res.setHeader('Set-Cookie', serializeCookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure }));
    res.redirect(303, '/reports/login');
  });

  // ------------------------------------------------------------------ pages

  router.get('/reports', async (req: AuthedRequest, res) => {
    const choice = parseWindow(req.query, now());
    const rows = await buildOverview(reportDeps, deps.routes, choice.window);
    res.type('html').send(overviewPage(rows, choice, context(req)));
  });

  router.get('/reports/routes/:routeId', async (req: AuthedRequest, res) => {
    const route = routeOr404(String(req.params.routeId));
    const choice = parseWindow(req.query, now());
    const status = parseStatus(req.query.status);
    const report = await buildRouteReport(reportDeps, route, choice.window, status);
    res.type('html').send(routePage({ ...report, status }, choice, context(req)));
  });

  router.get('/reports/groups/:groupId', async (req: AuthedRequest, res) => {
    const group = await deps.store.getGroup(String(req.params.groupId));
    if (group === undefined) throw new NotFoundError('diff group');
    const samples = await deps.store.listSamples(group.id, 50);
    res.type('html').send(groupPage(group, samples, context(req)));
  });

  router.get('/reports/samples/:sampleId', async (req: AuthedRequest, res) => {
    const sample = await deps.store.getSample(String(req.params.sampleId));
    if (sample === undefined) throw new NotFoundError('sample');
    res.type('html').send(samplePage(sample, context(req)));
  });

  // The sign-off export (same content as scripts/diff-report.ts), for the browser and for the API.
  const exportReport = async (req: Request, res: Response): Promise<void> => {
    const choice = parseWindow(req.query, now());
    const format = typeof req.query.format === 'string' ? req.query.format : 'html';
    if (!(DIFF_REPORT_FORMATS as readonly string[]).includes(format)) {
      throw new BadRequestError([`format must be one of ${DIFF_REPORT_FORMATS.join(', ')}`]);
    }
    const wanted =
      typeof req.query.routes === 'string' && req.query.routes.trim() !== ''
        ? req.query.routes.split(',').map((r) => r.trim())
        : deps.routes.map((r) => r.id);
    for (const routeId of wanted) routeOr404(routeId);
    const report = await buildDiffReport(deps.store, wanted, choice.window, now());
    const stamp = choice.window.to.toISOString().slice(0, 16).replace(/[-:]/g, '');
    res
      .type(
        format === 'csv' ? 'text/csv; charset=utf-8' : format === 'json' ? 'application/json' : 'text/html',
      )
      .attachment(`strangler-diff-report-${stamp}.${format}`)
      .send(renderDiffReport(report, format as DiffReportFormat));
  };
  router.get('/reports/export', exportReport);
  router.get('/api/reports/export', exportReport);

  router.get('/reports/audit', async (req: AuthedRequest, res) => {
    const entries = await deps.store.auditLog({ limit: 200 });
    res.type('html').send(auditPage(entries, context(req)));
  });

  router.post('/reports/groups/:groupId/accept', async (req: AuthedRequest, res) => {
    const groupId = String(req.params.groupId);
    const rule = await deps.store.acceptGroup(groupId, requiredText(formBody(req), 'reason'), actorOf(req));
    await deps.onRulesChanged?.();
    res.redirect(303, `/reports/routes/${encodeURIComponent(rule.routeId)}`);
  });

  router.post('/reports/groups/:groupId/defect', async (req: AuthedRequest, res) => {
    const body = formBody(req);
    const group = await deps.store.markDefect(
      String(req.params.groupId),
      requiredText(body, 'note'),
      optionalLink(body),
      actorOf(req),
    );
    res.redirect(303, `/reports/groups/${encodeURIComponent(group.id)}`);
  });

  router.post('/reports/groups/:groupId/delete', operatorOnly, async (req: AuthedRequest, res) => {
    const group = await deps.store.getGroup(String(req.params.groupId));
    if (group === undefined) throw new NotFoundError('diff group');
    await deps.store.deleteGroup(group.id, requiredText(formBody(req), 'reason'), actorOf(req));
    res.redirect(303, `/reports/routes/${encodeURIComponent(group.routeId)}`);
  });

  router.post('/reports/rules/:ruleId/revoke', operatorOnly, async (req: AuthedRequest, res) => {
    const rule = await deps.store.revokeRule(
      String(req.params.ruleId),
      requiredText(formBody(req), 'reason'),
      actorOf(req),
    );
    await deps.onRulesChanged?.();
    res.redirect(303, `/reports/routes/${encodeURIComponent(rule.routeId)}`);
  });

  // ------------------------------------------------------------------ JSON API (openapi-document.ts)

  router.get('/api/reports/session', (req: AuthedRequest, res) => {
    const p = principal(req);
    res.json({ role: p.role, actor: p.actor, csrfToken: p.csrf ?? null });
  });

  router.get('/api/reports/routes', async (req, res) => {
    const choice = parseWindow(req.query, now());
    const rows = await buildOverview(reportDeps, deps.routes, choice.window);
    res.json({ window: choice.window, routes: rows });
  });

  router.get('/api/reports/routes/:routeId', async (req, res) => {
    const route = routeOr404(String(req.params.routeId));
    const choice = parseWindow(req.query, now());
    const status = parseStatus(req.query.status);
    res.json({
      window: choice.window,
      ...(await buildRouteReport(reportDeps, route, choice.window, status)),
    });
  });

  router.get('/api/reports/routes/:routeId/rules', async (req, res) => {
    const route = routeOr404(String(req.params.routeId));
    res.json({
      rules: await deps.store.activeRules(route.id),
      accepted: await deps.store.loadAcceptedRules(route.id),
    });
  });

  router.get('/api/reports/groups/:groupId', async (req, res) => {
    const group = await deps.store.getGroup(String(req.params.groupId));
    if (group === undefined) throw new NotFoundError('diff group');
    res.json({ group, samples: await deps.store.listSamples(group.id, 50) });
  });

  router.delete('/api/reports/groups/:groupId', operatorOnly, async (req: AuthedRequest, res) => {
    await deps.store.deleteGroup(
      String(req.params.groupId),
      requiredText(jsonBody(req), 'reason'),
      actorOf(req),
    );
    res.status(204).end();
  });

  router.post('/api/reports/groups/:groupId/accept', async (req: AuthedRequest, res) => {
    const rule = await deps.store.acceptGroup(
      String(req.params.groupId),
      requiredText(jsonBody(req), 'reason'),
      actorOf(req),
    );
    await deps.onRulesChanged?.();
    res.status(201).json({ rule });
  });

  router.post('/api/reports/groups/:groupId/defect', async (req: AuthedRequest, res) => {
    const body = jsonBody(req);
    const group = await deps.store.markDefect(
      String(req.params.groupId),
      requiredText(body, 'note'),
      optionalLink(body),
      actorOf(req),
    );
    res.json({ group });
  });

  router.get('/api/reports/samples/:sampleId', async (req, res) => {
    const sample = await deps.store.getSample(String(req.params.sampleId));
    if (sample === undefined) throw new NotFoundError('sample');
    res.json({ sample });
  });

  router.post('/api/reports/rules/:ruleId/revoke', operatorOnly, async (req: AuthedRequest, res) => {
    const rule = await deps.store.revokeRule(
      String(req.params.ruleId),
      requiredText(jsonBody(req), 'reason'),
      actorOf(req),
    );
    await deps.onRulesChanged?.();
    res.json({ rule });
  });

  router.get('/api/reports/audit', async (req, res) => {
    const routeId =
      typeof req.query.routeId === 'string' && req.query.routeId !== '' ? req.query.routeId : undefined;
    const limitRaw = Number(req.query.limit ?? 100);
    if (!Number.isInteger(limitRaw) || limitRaw < 1 || limitRaw > 1000) {
      throw new BadRequestError(['limit must be an integer between 1 and 1000']);
    }
    res.json({ entries: await deps.store.auditLog({ routeId, limit: limitRaw }) });
  });

  router.use('/api/reports', (_req, res) => {
    res.status(404).json({ error: 'no_such_endpoint', message: 'no such endpoint (see /openapi.json)' });
  });

  // One place turns errors into responses: JSON for the API, a page for the browser.
  router.use(
    ['/reports', '/api/reports'],
    (error: unknown, req: Request, res: Response, next: NextFunction) => {
      if (res.headersSent) {
        next(error);
        return;
      }
      const status = statusOf(error);
      const message = status === 500 ? 'internal error' : error instanceof Error ? error.message : 'error';
      if (status === 500)
        deps.logger.error('qa-reports request failed', { path: req.originalUrl, error: errorDetails(error) });
      const problems = error instanceof BadRequestError ? error.problems : undefined;
      if (req.originalUrl.startsWith('/api/')) {
        res
          .status(status)
          .json({ error: errorCode(status), message, ...(problems === undefined ? {} : { problems }) });
      } else {
        res
          .status(status)
          .type('html')
          .send(messagePage(status === 404 ? 'Not found' : 'Request failed', message));
      }
    },
  );

  return router;
}

function statusOf(error: unknown): number {
  if (typeof error === 'object' && error !== null) {
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 600) return status;
  }
  return 500;
}

function errorCode(status: number): string {
  return status === 400
    ? 'bad_request'
    : status === 404
      ? 'not_found'
      : status === 409
        ? 'conflict'
        : status === 413
          ? 'too_large'
          : 'error';
}

function messagePage(title: string, message: string): string {
  return layoutPage(
    title,
    markup`<p class="error">${message}</p>
      <p><a href="/reports">Back to the reports</a></p>`,
    undefined,
  );
}

function formBody(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

function jsonBody(req: Request): Record<string, unknown> {
  return formBody(req);
}

function requiredText(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value.trim() === '') throw new BadRequestError([`${name} is required`]);
  if (value.length > MAX_TEXT) throw new BadRequestError([`${name} must be at most ${MAX_TEXT} characters`]);
  return value.trim();
}

function optionalLink(body: Record<string, unknown>): string | null {
  const value = body.link;
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > MAX_TEXT)
    throw new BadRequestError(['link must be a string']);
  const url = URL.canParse(value) ? new URL(value) : undefined;
  // Only http(s): the link is rendered as an anchor, and `javascript:` would run on click.
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new BadRequestError(['link must be an http(s) URL']);
  }
  return url.toString();
}

function parseStatus(value: unknown): GroupStatus | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && (GROUP_STATUSES as readonly string[]).includes(value))
    return value as GroupStatus;
  throw new BadRequestError([`status must be one of ${GROUP_STATUSES.join(', ')}`]);
}

/** "4 minutes", "1 minute", "45 seconds": how long a blocked sign-in waits, for people. */
function waitText(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** Only our own pages: `//evil.example` or `https://…` would turn sign-in into an open redirect. */
function safeNext(value: unknown): string {
  if (typeof value === 'string' && /^\/reports(?:[/?#]|$)/.test(value) && !value.startsWith('//'))
    return value;
  return '/reports';
}
