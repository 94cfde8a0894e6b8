import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../observability/logger.ts';
import { errorDetails } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { pathOf } from '../routing/request-target.ts';
import { exchangeOf } from './exchange.ts';
import { gatewayProblem, problemBody, sendGatewayProblem } from './problem-response.ts';
import { statusForUpstreamError } from './upstream-error.ts';

/**
 * What the client sees, what is counted and what is logged when a call to legacy fails: shared by
 * both forwarding engines so a 502/504 looks the same whichever one carried the request.
 */
export type LegacyFailureReporter = (
  error: Error,
  code: string,
  req: IncomingMessage,
  res: ServerResponse | Socket,
) => void;

export function createLegacyFailureReporter(deps: {
  readonly metrics: Metrics;
  readonly logger: Logger;
}): LegacyFailureReporter {
  const { metrics, logger } = deps;
  return (error, code, req, res) => {
    const exchange = exchangeOf(req);
    const status = statusForUpstreamError(code);
    const route = exchange?.route ?? 'unknown';
    const requestId = exchange?.requestId ?? '';
    if (exchange !== undefined) exchange.upstreamError = code;
    metrics.upstreamErrors.labels(route, code).inc();
    logger.warn('legacy call failed', {
      requestId,
      route,
      method: req.method,
      path: exchange?.loggedPath ?? pathOf(req.url ?? '/'),
      status,
      code,
      error: errorDetails(error),
    });
    const problem = {
      status,
      title: status === 504 ? 'Gateway Timeout' : 'Bad Gateway',
      detail:
        status === 504
          ? 'The upstream service did not answer in time.'
          : 'The upstream service is unavailable.',
      requestId,
    };
    if ('writeHead' in res) {
      sendGatewayProblem(res, problem);
    } else if (res.bytesWritten > 0 || res.destroyed) {
      res.destroy();
    } else {
      // A failed WebSocket handshake: the raw socket has seen nothing yet, so it gets a real answer.
      const body = problemBody(gatewayProblem(problem));
      res.end(
        `HTTP/1.1 ${status} ${problem.title}\r\ncontent-type: application/problem+json\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
      );
    }
  };
}
