import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';

import type { ModeDecision } from '../../../flags/flag-resolver.ts';
import type { Logger } from '../../observability/logger.ts';
import { errorDetails } from '../../observability/logger.ts';
import type { RouteMatch } from '../../routing/route.ts';
import { BodyCapture, nextObservationId } from '../exchange-observer.ts';
import type {
  CaptureBudget,
  ClientConnection,
  ExchangeObserver,
  ObservedExchange,
} from '../exchange-observer.ts';
import { traceparentOf } from '../../observability/tracing.ts';
import type { Exchange } from '../exchange.ts';

/** A capture of one exchange for the observer (shadow comparison): what was asked and answered. */
export interface Observation {
  readonly id: number;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly client: ClientConnection;
  requestBody: BodyCapture;
  responseBody: BodyCapture;
  fellBack: boolean;
  /** onExchange was called: a body read only afterwards (node drains it) is not announced. */
  reported: boolean;
}

export interface Observe {
  /** Starts capturing when the observer wants this exchange; undefined when it does not. */
  start(
    req: IncomingMessage,
    res: ServerResponse,
    exchange: Exchange,
    match: RouteMatch,
    decision: ModeDecision,
  ): Observation | undefined;
  /** Tells the observer about a legacy-served request once its body has gone to legacy in full. */
  announceWhenReceived(
    req: IncomingMessage,
    exchange: Exchange,
    match: RouteMatch,
    decision: ModeDecision,
    observation: Observation,
  ): void;
}

/**
 * The observe stage: tees what a matched exchange sends and receives, capped, for the observer, and
 * reports it when the response closes. An observer that throws never fails the request.
 */
export function createObserve(
  observer: ExchangeObserver | undefined,
  logger: Logger,
  budget?: CaptureBudget,
): Observe {
  const warn = (match: RouteMatch, error: unknown): void => {
    logger.warn('exchange observer failed', { route: match.route.id, error: errorDetails(error) });
  };
  if (observer === undefined) return { start: () => undefined, announceWhenReceived: () => undefined };
  return {
    start(req, res, exchange, match, decision) {
      let limit: number | undefined;
      try {
        limit = observer.captureLimit(match, decision);
      } catch (error: unknown) {
        warn(match, error);
      }
      if (limit === undefined) return undefined;
      const observation = newObservation(req, limit, budget);
      exchange.onLegacyRequestBody = captureInto(observation.requestBody);
      exchange.onLegacyResponse = responseCaptureInto(observation.responseBody);
      reportOnClose(observer, warn, { req, res, exchange, match, decision, observation });
      return observation;
    },
    announceWhenReceived(req, exchange, match, decision, observation) {
      if (observer.onRequest === undefined) return;
      announceWhenReceived(observer, warn, { req, exchange, match, decision, observation });
    },
  };
}

interface Observed {
  readonly req: IncomingMessage;
  readonly exchange: Exchange;
  readonly match: RouteMatch;
  readonly decision: ModeDecision;
  readonly observation: Observation;
}

type Warn = (match: RouteMatch, error: unknown) => void;

/** Hands the whole exchange to the observer once the response has closed. */
function reportOnClose(
  observer: ExchangeObserver,
  warn: Warn,
  observed: Observed & { readonly res: ServerResponse },
): void {
  const { req, res, exchange, match, decision, observation } = observed;
  const started = performance.now();
  res.once('close', () => {
    observation.reported = true;
    try {
      observer.onExchange({
        observationId: observation.id,
        requestId: exchange.requestId,
        match,
        decision,
        served: exchange.target,
        fellBack: observation.fellBack,
        traceparent: traceparentOf(exchange.span),
        ...callerOf(exchange),
        request: {
          method: req.method ?? 'GET',
          url: observation.url,
          headers: observation.headers,
          body: observation.requestBody.result(),
          client: observation.client,
        },
        response: {
          status: res.statusCode,
          headers: res.getHeaders(),
          body: observation.responseBody.result(),
          complete: res.writableFinished,
        },
        durationMs: performance.now() - started,
      });
    } catch (error: unknown) {
      warn(match, error);
    }
    // The observer has its copies now (bounded by its own queue: docs/limits.md, the memory ceiling).
    observation.requestBody.release();
    observation.responseBody.release();
  });
}

/*
 * So a dry run can start before legacy writes (and the sync copies the write over). The serve-legacy
 * stage sends a received body on in a promise job after the stream's 'end': the announcement waits
 * for setImmediate, so legacy has it first, and a body whose length disagrees with Content-Length is
 * left to the exchange.
 */
function announceWhenReceived(observer: ExchangeObserver, warn: Warn, observed: Observed): void {
  const { req, exchange, match, decision, observation } = observed;
  const declared = req.headers['content-length'];
  const announce = (): void => {
    if (observation.reported) return;
    const body = observation.requestBody.result();
    if (declared !== undefined && body.kind === 'captured' && body.bytes.length !== Number(declared)) return;
    try {
      observer.onRequest?.({
        observationId: observation.id,
        requestId: exchange.requestId,
        match,
        decision,
        serving: 'legacy',
        request: {
          method: req.method ?? 'GET',
          url: observation.url,
          headers: observation.headers,
          body,
          client: observation.client,
        },
      });
    } catch (error: unknown) {
      warn(match, error);
    }
  };
  // RFC 9112 §6.3: without Content-Length or Transfer-Encoding a request has no body, and node only
  // emits its 'end' once somebody reads it (the forwarder may not).
  if (req.headers['transfer-encoding'] === undefined && (declared === undefined || declared === '0')) {
    announce();
    return;
  }
  req.once('end', () => setImmediate(announce));
}

/** The verified caller's subject and organisation, for the shadow side's samples. */
function callerOf({ principal }: Exchange): Pick<ObservedExchange, 'caller'> {
  return principal === undefined
    ? {}
    : { caller: { subject: principal.subject, organisationId: principal.organisationId } };
}

function newObservation(req: IncomingMessage, limit: number, budget: CaptureBudget | undefined): Observation {
  return {
    id: nextObservationId(),
    url: req.url ?? '/',
    headers: { ...req.headers },
    client: {
      address: req.socket.remoteAddress,
      encrypted: (req.socket as Partial<TLSSocket>).encrypted === true,
    },
    requestBody: new BodyCapture(limit, budget),
    responseBody: new BodyCapture(limit, budget),
    fellBack: false,
    reported: false,
  };
}

/*
 * The tees the exchange carries to the forwarder are built out here, closing over their capture
 * alone. Created inside the closure that builds the observation they shared its context, which holds
 * the request and the response, and every observed request and response then survived V8's
 * young-generation collections until the next full one: ~1.5 MB copied and promoted per scavenge at
 * 500 req/s, and scavenge pauses of 2-9 ms instead of ~0.5 ms (scripts/bench-compare.ts --latency
 * under node --trace-gc-nvp). Moving these two closures out alone made the difference.
 */
function captureInto(capture: BodyCapture): (chunk: Buffer) => void {
  return (chunk) => capture.add(chunk);
}

function responseCaptureInto(capture: BodyCapture): (response: IncomingMessage) => void {
  return (response) => response.on('data', (chunk: Buffer) => capture.add(chunk));
}
