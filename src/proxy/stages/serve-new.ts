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
import { sendGatewayProblem, sendInternalError, sendUnavailable } from '../problem-response.ts';
import { handlerFault } from './handler-fault.ts';
import type { HandlerFault } from './handler-fault.ts';
import type { Observation } from './observe.ts';
import { runHandler, writeHandlerResponse } from './run-handler.ts';
import type { HandlerOutcome } from './run-handler.ts';
import {
  endHttpSpan,
  endSpanWithError,
  runInSpan,
  SpanKind,
  startChildSpan,
} from '../../observability/tracing.ts';
import type { Span } from '../../observability/tracing.ts';
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
 * from every run but those a client spoiled (handler-fault.ts). On failure a safe method falls back to
 * legacy, which answers as if the new side never ran; an unsafe one is a 503 when the database could not
 * be reached (nothing was written), else a 500, because its write may have happened and must not
 * happen twice.
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

    const span = startChildSpan(exchange.span, `new handler ${match.route.id}`, SpanKind.INTERNAL);
    // The handler runs with its span active, so its database queries become the span's children.
    const outcome = await runInSpan(span, () => runHandler(req, res, exchange, match, body.bytes));
    if (span !== undefined) endHandlerSpan(span, outcome);
    if (outcome.kind === 'response') {
      breaker.recordSuccess();
      observation?.responseBody.add(outcome.response.body ?? Buffer.alloc(0));
      writeHandlerResponse(res, exchange, outcome.response);
    } else if (outcome.kind === 'client-gone') {
      breaker.release();
    } else {
      const fault = handlerFault(outcome.error);
      if (fault === 'client-input') breaker.release();
      else breaker.recordFailure();
      const failure: Failure = { error: outcome.error, fault, retryAfterMs: breaker.retryAfterMs() };
      fallBack(deps, { req, res, exchange, observation }, match, body.bytes, failure);
    }
  };
}

function endHandlerSpan(span: Span, outcome: HandlerOutcome): void {
  if (outcome.kind === 'response') endHttpSpan(span, outcome.response.status);
  else if (outcome.kind === 'failed') endSpanWithError(span, outcome.error);
  else endHttpSpan(span, 499, 'client-gone');
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

interface Failure {
  readonly error: unknown;
  readonly fault: HandlerFault;
  /** Until the breaker's probe, when the failure left it open. */
  readonly retryAfterMs: number;
}

/**
 * The handler failed: legacy answers a safe method. An unsafe one that never reached the database is a
 * 503 (or legacy's, where the route opts in); one that may have written is a 500.
 */
function fallBack(
  deps: ServeNewDeps,
  serving: Serving,
  match: RouteMatch,
  body: Buffer,
  failure: Failure,
): void {
  const { req, res, exchange, observation } = serving;
  const method = req.method ?? 'GET';
  const details = {
    requestId: exchange.requestId,
    route: match.route.id,
    method,
    fault: failure.fault,
    error: errorDetails(failure.error),
  };
  const wroteNothing = failure.fault === 'unavailable';
  if (SAFE_METHODS.has(method) || (wroteNothing && match.route.unsafeFallbackToLegacy === true)) {
    // A safe request can be repeated (RFC 9110 §9.2.1), and a write that never reached the database was
    // not made: legacy answers as if the new side never ran.
    deps.metrics.fallbacks.labels(match.route.id).inc();
    deps.logger.warn('new handler failed, legacy serves the request', details);
    if (observation !== undefined) observation.fellBack = true;
    exchange.legacyBody = Readable.from(body.length === 0 ? [] : [body], { objectMode: false });
    deps.serveLegacy(req, res, exchange);
    return;
  }
  if (wroteNothing) {
    deps.logger.warn('new handler could not reach its database, unsafe method refused', details);
    sendUnavailable(res, exchange.requestId, failure.retryAfterMs);
    return;
  }
  // A write may have happened on the new side: sending it to legacy too could apply it twice.
  deps.logger.error('new handler failed on an unsafe method', details);
  sendInternalError(res, exchange.requestId);
}
