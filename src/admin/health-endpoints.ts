import type { Express, Request, Response } from 'express';
import type { Logger } from '../observability/logger.ts';
import type { AdminAuth } from './auth.ts';
import { runReadinessChecks } from './readiness.ts';
import type { ReadinessCheck } from './readiness.ts';

export interface HealthDeps {
  readonly readinessChecks: readonly ReadinessCheck[];
  readonly readinessTimeoutMs: number;
  /** True once the process is stopping. */
  readonly stopping: () => boolean;
  readonly auth: AdminAuth;
  readonly logger: Logger;
}

/**
 * Liveness and readiness. Both answer without a token, since probes carry none; readiness tells such
 * a caller only ready (200) or not (503). What each check found (legacy's URL, a database's error) is
 * for an admin's bearer token only: it maps the system behind the proxy for whoever can reach the port.
 */
export function mountHealthEndpoints(app: Express, deps: HealthDeps): void {
  const { readinessChecks, readinessTimeoutMs, stopping, auth, logger } = deps;

  app.get('/health/live', (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store').json({ status: 'live' });
  });

  let wasReady: boolean | undefined;
  app.get('/health/ready', async (req: Request, res: Response) => {
    // Through the limiter like any bearer token, so readiness is no unlimited oracle for guessing one.
    // A wrong or blocked token still gets the bare status: a probe misconfigured with a token must not
    // take the replica out of service.
    const attempt = auth.attemptBearer(req.socket.remoteAddress, req.headers.authorization);
    // A stopping process leaves the load balancer's rotation at once, whatever its dependencies say.
    if (stopping()) {
      res.status(503).set('Cache-Control', 'no-store').json({ status: 'stopping' });
      return;
    }
    const report = await runReadinessChecks(readinessChecks, readinessTimeoutMs);
    if (report.ready !== wasReady) {
      // Log transitions only: probes run every few seconds and a steady state is not news.
      if (report.ready) logger.info('ready', { checks: report.checks });
      else logger.warn('not ready', { checks: report.checks.filter((c) => !c.ok) });
      wasReady = report.ready;
    }
    const status = report.ready ? 'ready' : 'not ready';
    res
      .status(report.ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json(attempt.outcome === 'granted' ? { status, checks: report.checks } : { status });
  });
}
