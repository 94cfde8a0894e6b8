import http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { FlagResolver, ModeDecision } from '../../flags/flag-resolver.ts';
import type { HostHeaderMode } from './forward-headers.ts';
import type { HandlerRequest, HandlerResponse } from '../handlers/new-handler.ts';
import type { Logger } from '../observability/logger.ts';
import { errorDetails } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { SAFE_METHODS } from '../routing/route.ts';
import type { RouteMatch, RouteRecord, RouteTable } from '../routing/route.ts';
import { createCircuitBreaker, DEFAULT_CIRCUIT_BREAKER } from './circuit-breaker.ts';
import type { CircuitBreaker, CircuitBreakerSettings } from './circuit-breaker.ts';
import { BodyCapture, nextObservationId } from './exchange-observer.ts';
import type { ClientConnection, ExchangeObserver } from './exchange-observer.ts';
import { attachExchange, CATCH_ALL, pathOf } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { forwardHeaders, requestIdFrom } from './forward-headers.ts';
import {
  answerBodyTooLarge,
  declaresBodyOverLimit,
  KESTREL_MAX_REQUEST_BODY_BYTES,
} from './legacy-body-limit.ts';
import { createLegacyForwarder } from './legacy-forwarder.ts';
import type { LegacyEngine } from './legacy-forwarder.ts';
import { sendProblem } from './problem-response.ts';
import { stickinessId } from './stickiness.ts';
import { maskPathSegments, redactedSegmentsOf } from '../routing/redact-path.ts';

export interface PublicServerDeps {
  readonly config: {
    readonly legacyUrl: URL;
    readonly legacyTimeoutMs: number;
    readonly hostHeader: HostHeaderMode;
  };
  readonly routes: RouteTable;
  readonly flags: FlagResolver;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Shadow comparison's hook (see exchange-observer.ts). */
  readonly observer?: ExchangeObserver;
  /** Per-route breaker for new handlers; 5 consecutive failures, 30 s open by default. */
  readonly circuitBreaker?: CircuitBreakerSettings;
  /** Clock for the circuit breaker (tests). */
  readonly now?: () => number;
  /** Largest request body buffered for a new handler; 10 MiB by default. */
  readonly maxHandlerBodyBytes?: number;
  /** Legacy's own request-body limit (LEGACY_MAX_REQUEST_BODY_BYTES); 0 leaves every body to legacy. */
  readonly legacyMaxBodyBytes?: number;
  /** How long close() waits for in-flight exchanges (event streams, WebSockets) before cutting them. */
  readonly shutdownGraceMs?: number;
  /** Connection pool to legacy; one keep-alive agent is created when omitted. */
  readonly legacyAgent?: http.Agent;
  /** Client that carries plain requests to legacy (PROXY_ENGINE); see legacy-forwarder.ts. */
  readonly legacyEngine?: LegacyEngine;
}

export interface PublicServer {
  readonly server: http.Server;
  close(): Promise<void>;
}

const DEFAULT_HANDLER_TIMEOUT_MS = 5000;
const DEFAULT_MAX_HANDLER_BODY = 10 * 1024 * 1024;
const LEGACY_DECISION: ModeDecision = { mode: 'legacy', serve: 'legacy' };

class HandlerTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`new handler did not answer within ${timeoutMs} ms`);
    this.name = 'HandlerTimeoutError';
  }
}

class ClientGoneError extends Error {
  constructor() {
    super('client closed the connection');
    this.name = 'ClientGoneError';
  }
}

/*
 * The tees the exchange carries to the forwarder are built out here, closing over their capture
 * alone. Created inside startObservation they shared its closure context, which holds the request
 * and the response, and every observed request and response then survived V8's young-generation
 * collections until the next full one: ~1.5 MB copied and promoted per scavenge at 500 req/s, and
 * scavenge pauses of 2-9 ms instead of ~0.5 ms (scripts/bench-compare.ts --latency under
 * node --trace-gc-nvp). What kept the exchange reachable that long was not pinned down; moving
 * these two closures out alone made the difference.
 */
function captureInto(capture: BodyCapture): (chunk: Buffer) => void {
  return (chunk) => capture.add(chunk);
}

function responseCaptureInto(capture: BodyCapture): (response: IncomingMessage) => void {
  return (response) => response.on('data', (chunk: Buffer) => capture.add(chunk));
}

/** What the new side produced, or why there is nothing to send. */
type HandlerOutcome =
  | { readonly kind: 'response'; readonly response: HandlerResponse }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'client-gone' };

/**
 * The public port: every request is matched against the route table, its route's flag decides the
 * serving side, and legacy traffic is streamed through http-proxy-middleware. Plain node:http, no
 * framework router, because unmatched traffic is most of the traffic and must stay as close to a
 * bare reverse proxy as possible (issue #2 §9).
 */
export function createPublicServer(deps: PublicServerDeps): PublicServer {
  const { config, routes, flags, metrics, logger, observer } = deps;
  const maxHandlerBody = deps.maxHandlerBodyBytes ?? DEFAULT_MAX_HANDLER_BODY;
  const legacyMaxBody = deps.legacyMaxBodyBytes ?? KESTREL_MAX_REQUEST_BODY_BYTES;
  const breakerSettings = deps.circuitBreaker ?? DEFAULT_CIRCUIT_BREAKER;
  const rewriteHost = config.hostHeader === 'rewrite' ? config.legacyUrl.host : undefined;
  const forwarder = createLegacyForwarder({
    legacyUrl: config.legacyUrl,
    upgradeTimeoutMs: config.legacyTimeoutMs,
    metrics,
    logger,
    ...(deps.legacyAgent === undefined ? {} : { agent: deps.legacyAgent }),
    ...(deps.legacyEngine === undefined ? {} : { engine: deps.legacyEngine }),
  });

  const breakers = new Map<string, CircuitBreaker>();
  const breakerFor = (routeId: string): CircuitBreaker => {
    let breaker = breakers.get(routeId);
    if (breaker === undefined) {
      metrics.circuitOpen.labels(routeId).set(0);
      breaker = createCircuitBreaker(breakerSettings, {
        ...(deps.now === undefined ? {} : { now: deps.now }),
        onStateChange: (state) => {
          metrics.circuitOpen.labels(routeId).set(state === 'closed' ? 0 : 1);
          logger.warn('circuit breaker changed state', { route: routeId, state });
        },
      });
      breakers.set(routeId, breaker);
    }
    return breaker;
  };

  // prom-client hashes label values on every labels() call; the children are stable, so keep them,
  // in nested maps keyed by the label values themselves: no key string is built (and hashed) per request.
  const requestCounters = new Map<string, Map<string, Map<string, Map<number, { inc(): void }>>>>();
  const durationHistograms = new Map<string, Map<string, { observe(value: number): void }>>();
  const account = (exchange: Exchange, method: string, status: number, started: number): void => {
    const seconds = (performance.now() - started) / 1000;
    const { route, target, mode } = exchange;
    let byTarget = requestCounters.get(route);
    if (byTarget === undefined) requestCounters.set(route, (byTarget = new Map()));
    let byMode = byTarget.get(target);
    if (byMode === undefined) byTarget.set(target, (byMode = new Map()));
    let byStatus = byMode.get(mode);
    if (byStatus === undefined) byMode.set(mode, (byStatus = new Map()));
    let counter = byStatus.get(status);
    if (counter === undefined) {
      counter = metrics.requests.labels(route, target, mode, String(status));
      byStatus.set(status, counter);
    }
    counter.inc();
    let histograms = durationHistograms.get(route);
    if (histograms === undefined) durationHistograms.set(route, (histograms = new Map()));
    let histogram = histograms.get(target);
    if (histogram === undefined) {
      histogram = metrics.requestDuration.labels(route, target);
      histograms.set(target, histogram);
    }
    histogram.observe(seconds);
    if (logger.isInfoEnabled()) {
      // One object instead of (message, meta): winston's fast path, without the splat-token regex
      // and the merge into a new object that the two-argument form costs on every request.
      logger.info({
        message: 'request',
        requestId: exchange.requestId,
        route: exchange.route,
        mode: exchange.mode,
        target: exchange.target,
        method,
        path: exchange.loggedPath,
        status,
        durationMs: Math.round(seconds * 1e6) / 1000,
      });
    }
  };

  const decide = (route: RouteRecord, req: IncomingMessage): ModeDecision => {
    // A flag problem must never fail a request (DESIGN.md): anything odd is legacy.
    try {
      if (flags.killSwitchOn()) return LEGACY_DECISION;
      const remoteAddress = req.socket.remoteAddress;
      const decision = flags.decide(route.flag, {
        stickinessId: stickinessId(route.stickiness, req.headers, remoteAddress),
        ...(remoteAddress === undefined ? {} : { remoteAddress }),
      });
      if (decision.serve !== 'new' && decision.serve !== 'legacy') return LEGACY_DECISION;
      return decision;
    } catch (error: unknown) {
      logger.warn('flag decision failed, serving legacy', { route: route.id, error: errorDetails(error) });
      return LEGACY_DECISION;
    }
  };

  const forwardToLegacy = (req: IncomingMessage, res: ServerResponse, exchange: Exchange): void => {
    // Node keeps the parsed headers behind a settable property; httpxy copies them from there.
    req.headers = forwardHeaders(req.headers, {
      remoteAddress: req.socket.remoteAddress,
      encrypted: (req.socket as Partial<TLSSocket>).encrypted === true,
      requestId: exchange.requestId,
      rewriteHost,
    });
    exchange.target = 'legacy';
    if (declaresBodyOverLimit(req, legacyMaxBody)) {
      answerBodyTooLarge(res);
      return;
    }
    // The forwarder puts X-Request-Id on legacy's response (legacy's own, if it sends one, wins).
    forwarder.forward(req, res);
  };

  /** Last resort for a bug on our side: one request fails, the process and its other requests don't. */
  const failRequest = (res: ServerResponse, exchange: Exchange, error: unknown): void => {
    logger.error('request failed inside the proxy', {
      requestId: exchange.requestId,
      route: exchange.route,
      error: errorDetails(error),
    });
    sendProblem(res, {
      status: 500,
      title: 'Internal Server Error',
      detail: 'The request could not be completed.',
      requestId: exchange.requestId,
    });
  };

  const handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    if (req.url !== undefined && req.url.charCodeAt(0) !== SLASH) toOriginForm(req);
    const method = req.method ?? 'GET';
    const rawPath = pathOf(req.url ?? '/');
    const requestId = requestIdFrom(req.headers);

    let match: RouteMatch | undefined;
    try {
      match = routes.match(method, rawPath);
    } catch (error: unknown) {
      logger.error('route matching failed, serving legacy', {
        requestId,
        path: rawPath,
        error: errorDetails(error),
      });
    }

    const exchange: Exchange = {
      requestId,
      route: match === undefined ? CATCH_ALL : match.route.id,
      loggedPath: match === undefined ? rawPath : maskPathSegments(rawPath, redactedSegmentsOf(match.route)),
      mode: 'legacy',
      target: 'legacy',
      legacyTimeoutMs: match?.route.legacyTimeoutMs ?? config.legacyTimeoutMs,
      legacyBody: undefined,
      reusedConnection: false,
      retried: false,
      upstreamError: undefined,
      onLegacyRequestBody: undefined,
      onLegacyResponse: undefined,
    };
    attachExchange(req, exchange);
    res.once('close', () => {
      // The client left before any response started: nginx's 499, so it is not counted as a 200.
      const status = !res.headersSent && !res.writableFinished ? 499 : res.statusCode;
      account(exchange, method, status, started);
    });

    try {
      if (match === undefined) forwardToLegacy(req, res, exchange);
      else serveMatched(req, res, exchange, match, method);
    } catch (error: unknown) {
      failRequest(res, exchange, error);
    }
  };

  const serveMatched = (
    req: IncomingMessage,
    res: ServerResponse,
    exchange: Exchange,
    match: RouteMatch,
    method: string,
  ): void => {
    const route = match.route;
    const decision = decide(route, req);
    exchange.mode = decision.mode;

    const captureLimit = observerLimit(match, decision);
    const observation =
      captureLimit === undefined
        ? undefined
        : startObservation(req, res, exchange, match, decision, captureLimit);

    if (decision.serve === 'new') {
      const breaker = breakerFor(route.id);
      if (breaker.tryAcquire()) {
        serveNew(req, res, exchange, match, method, breaker, observation).catch((error: unknown) =>
          failRequest(res, exchange, error),
        );
        return;
      }
    }
    if (observation !== undefined) announceWhenReceived(req, exchange, match, decision, observation);
    forwardToLegacy(req, res, exchange);
  };

  const observerLimit = (match: RouteMatch, decision: ModeDecision): number | undefined => {
    if (observer === undefined) return undefined;
    try {
      return observer.captureLimit(match, decision);
    } catch (error: unknown) {
      logger.warn('exchange observer failed', { route: match.route.id, error: errorDetails(error) });
      return undefined;
    }
  };

  interface Observation {
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

  /**
   * Tells the observer about the request as soon as its body has been teed to legacy in full, so a
   * dry run can start before legacy writes (and the sync copies the write over). The undici engine
   * tees from an async iterator, whose last chunk reaches the tee in a promise job after the stream's
   * 'end' (a nextTick): the announcement waits for setImmediate, and a body whose length disagrees
   * with Content-Length is left to the exchange.
   */
  const announceWhenReceived = (
    req: IncomingMessage,
    exchange: Exchange,
    match: RouteMatch,
    decision: ModeDecision,
    observation: Observation,
  ): void => {
    if (observer?.onRequest === undefined) return;
    const declared = req.headers['content-length'];
    const announce = (): void => {
      // A replayed body (stale-connection retry) was not teed; the exchange still reports it.
      if (exchange.legacyBody !== undefined || observation.reported) return;
      const body = observation.requestBody.result();
      if (declared !== undefined && body.kind === 'captured' && body.bytes.length !== Number(declared))
        return;
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
        logger.warn('exchange observer failed', { route: match.route.id, error: errorDetails(error) });
      }
    };
    // RFC 9112 §6.3: without Content-Length or Transfer-Encoding a request has no body, and node only
    // emits its 'end' once somebody reads it (the forwarder may not).
    if (req.headers['transfer-encoding'] === undefined && (declared === undefined || declared === '0')) {
      announce();
      return;
    }
    req.once('end', () => setImmediate(announce));
  };

  const startObservation = (
    req: IncomingMessage,
    res: ServerResponse,
    exchange: Exchange,
    match: RouteMatch,
    decision: ModeDecision,
    limit: number,
  ): Observation => {
    const headers: IncomingHttpHeaders = { ...req.headers };
    const url = req.url ?? '/';
    const observation: Observation = {
      id: nextObservationId(),
      url,
      headers,
      client: {
        address: req.socket.remoteAddress,
        encrypted: (req.socket as Partial<TLSSocket>).encrypted === true,
      },
      requestBody: new BodyCapture(limit),
      responseBody: new BodyCapture(limit),
      fellBack: false,
      reported: false,
    };
    const started = performance.now();
    exchange.onLegacyRequestBody = captureInto(observation.requestBody);
    exchange.onLegacyResponse = responseCaptureInto(observation.responseBody);
    res.once('close', () => {
      observation.reported = true;
      try {
        observer?.onExchange({
          observationId: observation.id,
          requestId: exchange.requestId,
          match,
          decision,
          served: exchange.target,
          fellBack: observation.fellBack,
          request: {
            method: req.method ?? 'GET',
            url,
            headers,
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
        logger.warn('exchange observer failed', { route: match.route.id, error: errorDetails(error) });
      }
    });
    return observation;
  };

  const serveNew = async (
    req: IncomingMessage,
    res: ServerResponse,
    exchange: Exchange,
    match: RouteMatch,
    method: string,
    breaker: CircuitBreaker,
    observation: Observation | undefined,
  ): Promise<void> => {
    const route = match.route;
    const safe = SAFE_METHODS.has(method);
    exchange.target = 'new';

    const body = await readBody(req, maxHandlerBody);
    if (body.kind !== 'complete') {
      // Nothing ran on the new side yet, so the breaker learns nothing from this request.
      breaker.release();
      if (body.kind === 'failed') {
        res.destroy();
        return;
      }
      if (safe) {
        exchange.legacyBody = body.replay;
        if (body.replay !== undefined) observation?.requestBody.abandon(body.read);
        forwardToLegacy(req, res, exchange);
        return;
      }
      sendProblem(res, {
        status: 413,
        title: 'Content Too Large',
        detail: `The request body is larger than ${maxHandlerBody} bytes.`,
        requestId: exchange.requestId,
      });
      return;
    }
    observation?.requestBody.add(body.bytes);

    const outcome = await runHandler(req, res, exchange, match, body.bytes);
    if (outcome.kind === 'response') {
      breaker.recordSuccess();
      observation?.responseBody.add(outcome.response.body ?? Buffer.alloc(0));
      writeHandlerResponse(res, exchange, outcome.response);
      return;
    }
    if (outcome.kind === 'client-gone') {
      breaker.release();
      return;
    }

    breaker.recordFailure();
    const error = outcome.error;
    if (safe) {
      // RFC 9110 §9.2.1: a safe request can be repeated, so legacy answers as if the new side never ran.
      metrics.fallbacks.labels(route.id).inc();
      logger.warn('new handler failed, legacy serves the request', {
        requestId: exchange.requestId,
        route: route.id,
        method,
        error: errorDetails(error),
      });
      if (observation !== undefined) observation.fellBack = true;
      exchange.legacyBody = Readable.from(body.bytes.length === 0 ? [] : [body.bytes], { objectMode: false });
      forwardToLegacy(req, res, exchange);
      return;
    }
    // A write may have happened on the new side: sending it to legacy too could apply it twice.
    logger.error('new handler failed on an unsafe method', {
      requestId: exchange.requestId,
      route: route.id,
      method,
      error: errorDetails(error),
    });
    sendProblem(res, {
      status: 500,
      title: 'Internal Server Error',
      detail: 'The request could not be completed.',
      requestId: exchange.requestId,
    });
  };

  const runHandler = async (
    req: IncomingMessage,
    res: ServerResponse,
    exchange: Exchange,
    match: RouteMatch,
    body: Buffer,
  ): Promise<HandlerOutcome> => {
    const route = match.route;
    const timeoutMs = route.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS;
    const controller = new AbortController();
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const request: HandlerRequest = {
      method: req.method ?? 'GET',
      path: queryAt === -1 ? url : url.slice(0, queryAt),
      params: match.params,
      query: new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1)),
      headers: { ...req.headers },
      body,
      requestId: exchange.requestId,
      signal: controller.signal,
      dryRun: false,
    };

    let timer: NodeJS.Timeout | undefined;
    let onClose: (() => void) | undefined;
    const stopped = new Promise<HandlerOutcome>((resolve) => {
      timer = setTimeout(() => {
        const error = new HandlerTimeoutError(timeoutMs);
        controller.abort(error);
        resolve({ kind: 'failed', error });
      }, timeoutMs);
      onClose = () => {
        if (res.writableFinished) return;
        controller.abort(new ClientGoneError());
        resolve({ kind: 'client-gone' });
      };
      res.once('close', onClose);
    });
    const ran = (async (): Promise<HandlerOutcome> => {
      try {
        const response = await route.handler(request);
        const problem = invalidResponse(response);
        return problem === undefined
          ? { kind: 'response', response }
          : { kind: 'failed', error: new Error(problem) };
      } catch (error: unknown) {
        return { kind: 'failed', error };
      }
    })();
    try {
      return await Promise.race([ran, stopped]);
    } finally {
      clearTimeout(timer);
      if (onClose !== undefined) res.removeListener('close', onClose);
    }
  };

  const writeHandlerResponse = (res: ServerResponse, exchange: Exchange, response: HandlerResponse): void => {
    const body = response.body === undefined ? undefined : response.body;
    res.statusCode = response.status;
    for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
    res.setHeader('x-request-id', exchange.requestId);
    if (
      body !== undefined &&
      !res.hasHeader('content-length') &&
      response.status !== 204 &&
      response.status !== 304
    ) {
      res.setHeader('content-length', Buffer.byteLength(body));
    }
    res.end(body);
  };

  const upgrades = new Set<Socket>();
  const handleUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    // New handlers are request/response only; a WebSocket always belongs to legacy.
    const requestId = requestIdFrom(req.headers);
    attachExchange(req, {
      requestId,
      route: CATCH_ALL,
      loggedPath: pathOf(req.url ?? '/'),
      mode: 'legacy',
      target: 'legacy',
      legacyTimeoutMs: config.legacyTimeoutMs,
      legacyBody: undefined,
      reusedConnection: false,
      retried: false,
      upstreamError: undefined,
      onLegacyRequestBody: undefined,
      onLegacyResponse: undefined,
    });
    req.headers = forwardHeaders(
      req.headers,
      {
        remoteAddress: socket.remoteAddress,
        encrypted: (socket as Partial<TLSSocket>).encrypted === true,
        requestId,
        rewriteHost,
      },
      true,
    );
    upgrades.add(socket);
    socket.once('close', () => upgrades.delete(socket));
    socket.on('error', (error: Error) => {
      logger.debug('websocket client socket failed', { requestId, error: errorDetails(error) });
    });
    forwarder.upgrade(req, socket, head);
  };

  // Only a WebSocket handshake is an upgrade here. Anything else that asks to switch protocols (`Upgrade:
  // h2c` from curl --http2 or Java's HttpClient on plain http) is an ordinary request, forwarded without
  // its hop-by-hop Upgrade, as Kestrel would answer it; node would otherwise hand it to the upgrade
  // handler, where the WebSocket proxy drops the connection without a word.
  const server = http.createServer(
    { keepAliveTimeout: 65_000, shouldUpgradeCallback: isWebSocketHandshake },
    handleRequest,
  );
  server.on('upgrade', handleUpgrade);
  // No clientError listener: node answers malformed requests itself (400, 408, 431) like a bare server.

  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        const grace = setTimeout(() => {
          server.closeAllConnections();
          for (const socket of upgrades) socket.destroy();
        }, deps.shutdownGraceMs ?? 10_000);
        grace.unref();
        server.close(() => {
          clearTimeout(grace);
          for (const socket of upgrades) socket.destroy();
          void forwarder.close().then(resolve);
        });
        server.closeIdleConnections();
      }),
  };
}

const SLASH = 0x2f;

/**
 * A request target in absolute form (`GET http://api.example/athletes`, RFC 9112 §3.2.2), which a server
 * must accept: routed and forwarded by its path, with the target's authority as Host (the received Host
 * is ignored, as the RFC says). Anything else that is not origin form (`OPTIONS *`) is left as sent.
 */
function toOriginForm(req: IncomingMessage): void {
  const match = /^https?:\/\/([^/?#]*)/i.exec(req.url ?? '');
  if (match === null) return;
  const rest = (req.url ?? '').slice(match[0].length);
  req.url = rest.startsWith('/') ? rest : `/${rest}`;
  const authority = match[1]?.replace(/^[^@]*@/, '') ?? '';
  if (authority !== '') req.headers.host = authority;
}

function isWebSocketHandshake(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  return (
    req.method === 'GET' &&
    upgrade !== undefined &&
    upgrade.split(',').some((protocol) => protocol.trim().toLowerCase() === 'websocket')
  );
}

/**
 * What node could not write, found before anything is sent: such a response is the handler's failure
 * (a safe method falls back to legacy, the circuit breaker counts it), not a 500 from writeHead.
 */
function invalidResponse(response: unknown): string | undefined {
  if (typeof response !== 'object' || response === null) return 'handler returned no response';
  const { status, headers, body } = response as { status?: unknown; headers?: unknown; body?: unknown };
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
    return `handler returned an invalid status: ${String(status)}`;
  }
  if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) {
    return 'handler returned a body that is neither a string nor a Buffer';
  }
  if (headers === undefined) return undefined;
  if (typeof headers !== 'object' || headers === null)
    return 'handler returned headers that are not an object';
  for (const [name, value] of Object.entries(headers)) {
    try {
      http.validateHeaderName(name);
      for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
        if (typeof item !== 'string') throw new TypeError(`header ${name} is not a string`);
        http.validateHeaderValue(name, item);
      }
    } catch (error: unknown) {
      return `handler returned a header node cannot send: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return undefined;
}

type BodyResult =
  | { readonly kind: 'complete'; readonly bytes: Buffer }
  /**
   * Over the cap. `replay` yields the `read` bytes already consumed followed by the rest of the
   * request; undefined when Content-Length announced it and nothing was read.
   */
  | { readonly kind: 'over-cap'; readonly replay: Readable | undefined; readonly read: number }
  | { readonly kind: 'failed' };

/** Buffers a request body for a new handler, stopping at the cap so nothing grows without bound. */
function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.resolve({ kind: 'over-cap', replay: undefined, read: 0 });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      req.removeListener('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > limit) {
        cleanup();
        req.pause();
        const replay = new PassThrough();
        for (const buffered of chunks) replay.write(buffered);
        req.pipe(replay);
        resolve({ kind: 'over-cap', replay, read: size });
      }
    };
    const onEnd = (): void => {
      cleanup();
      resolve({ kind: 'complete', bytes: Buffer.concat(chunks, size) });
    };
    const onError = (): void => {
      cleanup();
      resolve({ kind: 'failed' });
    };
    const onClose = (): void => {
      if (req.complete) return;
      cleanup();
      resolve({ kind: 'failed' });
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
