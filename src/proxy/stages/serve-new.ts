import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

import type { Logger } from '../../observability/logger.ts';
import { errorDetails } from '../../observability/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import { SAFE_METHODS } from '../../routing/route.ts';
import type { RouteMatch } from '../../routing/route.ts';
import type { CircuitBreaker } from '../circuit-breaker.ts';
import type { Exchange } from '../exchange.ts';
import type { UploadGate } from '../upload-gate.ts';
import { sendGatewayProblem, sendInternalError } from '../problem-response.ts';
import type { Observation } from './observe.ts';
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
interface ServeNewDeps {
  readonly maxHandlerBodyBytes: number;
  /** Receives the body under the upload limits and the body budget. */
  readonly gate: UploadGate;
  readonly serveLegacy: ServeLegacy;
  readonly metrics: Pick<Metrics, 'fallbacks'>;
  readonly logger: Logger;
}

interface Serving {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly exchange: Exchange;
  readonly observation: Observation | undefined;
}

export function createServeNew(deps: ServeNewDeps): ServeNew {
  const receiving = { limit: deps.maxHandlerBodyBytes, refuseDeclaredOverLimit: true, tee: undefined };

  return async (req, res, exchange, match, breaker, observation) => {
    exchange.target = 'new';
    const body = await deps.gate.receive(req, res, exchange, receiving);
    if (body.kind !== 'complete') {
      // Nothing ran on the new side yet, so the breaker learns nothing from this request.
      breaker.release();
      if (body.kind === 'failed') res.destroy();
      else if (body.kind === 'over-cap')
        overCap(deps, { req, res, exchange, observation }, body.replay, body.read);
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
      fallBack(deps, { req, res, exchange, observation }, match, body.bytes, outcome.error);
    }
  };
}

/** A body over the cap: a safe method goes to legacy (with what was read), an unsafe one is a 413. */
function overCap(deps: ServeNewDeps, serving: Serving, replay: Readable | undefined, read: number): void {
  const { req, res, exchange, observation } = serving;
  if (SAFE_METHODS.has(req.method ?? 'GET')) {
    exchange.legacyBody = replay;
    if (replay !== undefined) observation?.requestBody.abandon(read);
    deps.serveLegacy(req, res, exchange);
    return;
  }
  sendGatewayProblem(res, {
    status: 413,
    title: 'Content Too Large',
    detail: `The request body is larger than ${deps.maxHandlerBodyBytes} bytes.`,
    requestId: exchange.requestId,
  });
}

/** The handler failed: legacy answers a safe method; an unsafe one may have written, so it is a 500. */
function fallBack(
  deps: ServeNewDeps,
  serving: Serving,
  match: RouteMatch,
  body: Buffer,
  error: unknown,
): void {
  const { req, res, exchange, observation } = serving;
  const method = req.method ?? 'GET';
  if (SAFE_METHODS.has(method)) {
    // RFC 9110 §9.2.1: a safe request can be repeated, so legacy answers as if the new side never ran.
    deps.metrics.fallbacks.labels(match.route.id).inc();
    deps.logger.warn('new handler failed, legacy serves the request', {
      requestId: exchange.requestId,
      route: match.route.id,
      method,
      error: errorDetails(error),
    });
    if (observation !== undefined) observation.fellBack = true;
    exchange.legacyBody = Readable.from(body.length === 0 ? [] : [body], { objectMode: false });
    deps.serveLegacy(req, res, exchange);
    return;
  }
  // A write may have happened on the new side: sending it to legacy too could apply it twice.
  deps.logger.error('new handler failed on an unsafe method', {
    requestId: exchange.requestId,
    route: match.route.id,
    method,
    error: errorDetails(error),
  });
  sendInternalError(res, exchange.requestId);
}
