import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

import type { Logger } from '../../observability/logger.ts';
import { errorDetails } from '../../observability/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import { SAFE_METHODS } from '../../routing/route.ts';
import type { RouteMatch } from '../../routing/route.ts';
import type { CircuitBreaker } from '../circuit-breaker.ts';
import type { Exchange } from '../exchange.ts';
import { sendGatewayProblem, sendInternalError } from '../problem-response.ts';
import type { Observation } from './observe.ts';
import { readBody } from './read-body.ts';
import { runHandler, writeHandlerResponse } from './run-handler.ts';
import type { ServeLegacy } from './serve-legacy.ts';

/** Serves a request with its route's new handler, holding a permit of the route's breaker. */
export type ServeNew = (
  req: IncomingMessage,
  res: ServerResponse,
  exchange: Exchange,
  match: RouteMatch,
  breaker: CircuitBreaker,
  observation: Observation | undefined,
) => Promise<void>;

/**
 * The new side: buffer the body (up to the cap), run the handler, write its answer. The breaker learns
 * from every run. On failure a safe method falls back to legacy, which answers as if the new side never
 * ran; an unsafe one is a 500, because its write may have happened and must not happen twice.
 */
export function createServeNew(deps: {
  readonly maxHandlerBodyBytes: number;
  readonly serveLegacy: ServeLegacy;
  readonly metrics: Pick<Metrics, 'fallbacks'>;
  readonly logger: Logger;
}): ServeNew {
  const { maxHandlerBodyBytes, serveLegacy, metrics, logger } = deps;

  const overCap = (
    req: IncomingMessage,
    res: ServerResponse,
    exchange: Exchange,
    replay: Readable | undefined,
    read: number,
    observation: Observation | undefined,
  ): void => {
    if (SAFE_METHODS.has(req.method ?? 'GET')) {
      exchange.legacyBody = replay;
      if (replay !== undefined) observation?.requestBody.abandon(read);
      serveLegacy(req, res, exchange);
      return;
    }
    sendGatewayProblem(res, {
      status: 413,
      title: 'Content Too Large',
      detail: `The request body is larger than ${maxHandlerBodyBytes} bytes.`,
      requestId: exchange.requestId,
    });
  };

  const fallBack = (
    req: IncomingMessage,
    res: ServerResponse,
    exchange: Exchange,
    match: RouteMatch,
    body: Buffer,
    error: unknown,
    observation: Observation | undefined,
  ): void => {
    const method = req.method ?? 'GET';
    if (SAFE_METHODS.has(method)) {
      // RFC 9110 §9.2.1: a safe request can be repeated, so legacy answers as if the new side never ran.
      metrics.fallbacks.labels(match.route.id).inc();
      logger.warn('new handler failed, legacy serves the request', {
        requestId: exchange.requestId,
        route: match.route.id,
        method,
        error: errorDetails(error),
      });
      if (observation !== undefined) observation.fellBack = true;
      exchange.legacyBody = Readable.from(body.length === 0 ? [] : [body], { objectMode: false });
      serveLegacy(req, res, exchange);
      return;
    }
    // A write may have happened on the new side: sending it to legacy too could apply it twice.
    logger.error('new handler failed on an unsafe method', {
      requestId: exchange.requestId,
      route: match.route.id,
      method,
      error: errorDetails(error),
    });
    sendInternalError(res, exchange.requestId);
  };

  return async (req, res, exchange, match, breaker, observation) => {
    exchange.target = 'new';
    const body = await readBody(req, maxHandlerBodyBytes);
    if (body.kind !== 'complete') {
      // Nothing ran on the new side yet, so the breaker learns nothing from this request.
      breaker.release();
      if (body.kind === 'failed') res.destroy();
      else overCap(req, res, exchange, body.replay, body.read, observation);
      return;
    }
    observation?.requestBody.add(body.bytes);

    const outcome = await runHandler(req, res, exchange, match, body.bytes);
    if (outcome.kind === 'response') {
      breaker.recordSuccess();
      observation?.responseBody.add(outcome.response.body ?? Buffer.alloc(0));
      writeHandlerResponse(res, exchange, outcome.response);
    } else if (outcome.kind === 'client-gone') {
      breaker.release();
    } else {
      breaker.recordFailure();
      fallBack(req, res, exchange, match, body.bytes, outcome.error, observation);
    }
  };
}
