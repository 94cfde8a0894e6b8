import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Express, NextFunction, Request, Response } from 'express';
import type { FlagResolver } from '../../flags/flag-resolver.ts';
import { errorDetails } from '../observability/logger.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { refreshRouteModeGauge } from '../observability/route-mode-gauge.ts';
import type { RouteTable } from '../routing/route.ts';
import { createAuthFailureLimiter } from './auth-failure-limiter.ts';
import type { AuthFailureLimiter } from './auth-failure-limiter.ts';
import { createAdminAuth } from './auth.ts';
import type { AdminAuth, AdminTokens } from './auth.ts';
import { sendProblem } from '../proxy/problem-response.ts';
import { mountHealthEndpoints } from './health-endpoints.ts';
import type { ReadinessCheck } from './readiness.ts';
import { buildRouteReport } from './route-report.ts';

/**
 * Mounts a further admin feature (QA reports, sync status) on the admin app, before the 404 handler.
 * It must authenticate its own paths, e.g. with `auth.require('qa')` or `auth.require('operator')`,
 * or `auth.attemptBearer` / `auth.attemptToken`, so its failures count with everyone else's.
 */
export type AdminExtension = (app: Express, auth: AdminAuth) => void;

export interface AdminServerDeps {
  readonly config: AdminTokens;
  readonly routes: RouteTable;
  readonly flags: FlagResolver;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** legacyReachableCheck, flagsLoadedCheck, and whatever else main.ts adds (PostgreSQL). */
  readonly readinessChecks: readonly ReadinessCheck[];
  /** Each readiness check gets this long (default 2000 ms), well under a kubelet probe's timeout. */
  readonly readinessTimeoutMs?: number;
  /** True once the process is stopping: readiness answers 503 at once (see health-endpoints.ts). */
  readonly stopping?: () => boolean;
  readonly extensions?: readonly AdminExtension[];
  /** Wrong-token limits for this server; tests pass one with a fake clock. Default 10 per 5 minutes per address. */
  readonly authFailureLimiter?: AuthFailureLimiter;
  /** PEM certificate (chain) and key: the port speaks HTTPS. Without: plain HTTP. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
}

export interface AdminServer {
  readonly server: http.Server | https.Server;
  readonly auth: AdminAuth;
  /** Binds ADMIN_PORT / adminHost (port 0 in tests) and resolves with the bound address. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

/**
 * The admin port: its own listener, so nothing here is ever reachable on the public port. Metrics and
 * health are open (scrapers and probes carry no tokens); `/api/*` needs a bearer token. With `tls` it
 * speaks HTTPS, which browsers need to keep the QA sign-in's cookies under any name but localhost.
 */
export function createAdminServer(deps: AdminServerDeps): AdminServer {
  const { routes, flags, metrics, logger } = deps;
  // One limiter for the whole port: bearer tokens on any /api path and the QA sign-in form all count
  // against the same per-address budget.
  const auth = createAdminAuth(deps.config, {
    limiter: deps.authFailureLimiter ?? createAuthFailureLimiter(),
    logger,
    metrics,
  });
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });

  mountOpenEndpoints(app, deps, auth);

  app.get('/api/routes', auth.require('qa'), async (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store').json(await buildRouteReport(routes.routes, flags, metrics));
  });

  // Extensions authenticate their own paths (the QA report pages also accept a signed session
  // cookie on /api/reports), so the blanket bearer guard below only covers what nobody claimed.
  for (const extend of deps.extensions ?? []) extend(app, auth);

  // An unclaimed /api path answers 401 before 404, so without a token nothing about it is disclosed.
  app.use('/api', auth.require('qa'));

  mountFallbacks(app, logger);
  const server =
    deps.tls === undefined
      ? http.createServer(app)
      : https.createServer({ cert: deps.tls.cert, key: deps.tls.key }, app);
  return { ...listener(server), auth };
}

/** Metrics and health: open, since scrapers and probes carry no tokens. */
function mountOpenEndpoints(app: Express, deps: AdminServerDeps, auth: AdminAuth): void {
  const { routes, flags, metrics, logger } = deps;

  app.get('/metrics', async (_req: Request, res: Response) => {
    refreshRouteModeGauge(metrics, routes.routes, flags);
    const body = await metrics.registry.metrics();
    res.set('Content-Type', metrics.registry.contentType).set('Cache-Control', 'no-store').send(body);
  });

  mountHealthEndpoints(app, {
    readinessChecks: deps.readinessChecks,
    readinessTimeoutMs: deps.readinessTimeoutMs ?? 2000,
    stopping: deps.stopping ?? (() => false),
    auth,
    logger,
  });
}

/** 404 for what nobody claimed, and the error handler: 4xx as raised, anything else a logged 500. */
function mountFallbacks(app: Express, logger: Logger): void {
  app.use((req: Request, res: Response) => {
    sendProblem(res, {
      status: 404,
      title: 'Not Found',
      detail: `No admin resource at ${req.method} ${req.path}`,
    });
  });

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    // Client errors raised by body parsers and the like carry their own 4xx status.
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendProblem(res, { status, title: http.STATUS_CODES[status] ?? 'Bad Request' });
      return;
    }
    logger.error('admin request failed', { method: req.method, path: req.path, error: errorDetails(error) });
    sendProblem(res, { status: 500, title: 'Internal Server Error' });
  });
}

function listener(server: http.Server | https.Server): Omit<AdminServer, 'auth'> {
  return {
    server,
    listen(port: number, host?: string): Promise<AddressInfo> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close(): Promise<void> {
      if (!server.listening) return Promise.resolve();
      return new Promise((resolve, reject) => {
        server.close((error?: Error) => (error === undefined ? resolve() : reject(error)));
        // Scrapers keep connections alive; idle ones would hold close() open until they time out.
        server.closeIdleConnections();
      });
    },
  };
}
