import type { NextFunction, Request, Response, Router } from 'express';
import type { Logger } from '../../observability/logger.ts';
import { errorDetails } from '../../observability/logger.ts';
import { BadRequestError } from '../bad-request-error.ts';
import { messagePage } from './message-page.ts';

/**
 * Mounted last: an API path nothing answered is a JSON 404, and one place turns errors into
 * responses, JSON for the API and a page for the browser. Only a 500 is logged, without its message
 * reaching the client.
 */
export function mountErrorResponses(router: Router, logger: Logger): void {
  router.use('/api/reports', (_req, res) => {
    res.status(404).json({ error: 'no_such_endpoint', message: 'no such endpoint (see /openapi.json)' });
  });

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
        logger.error('qa-reports request failed', { path: req.originalUrl, error: errorDetails(error) });
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
