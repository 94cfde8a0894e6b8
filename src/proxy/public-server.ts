import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { FlagResolver } from '../../flags/flag-resolver.ts';
import type { Logger } from '../observability/logger.ts';
import { errorDetails } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { RouteMatch, RouteTable } from '../routing/route.ts';
import { DEFAULT_CIRCUIT_BREAKER } from './circuit-breaker.ts';
import type { CircuitBreakerSettings } from './circuit-breaker.ts';
import type { ExchangeObserver } from './exchange-observer.ts';
import type { Exchange } from './exchange.ts';
import type { HostHeaderMode } from './forward-headers.ts';
import { KESTREL_MAX_REQUEST_BODY_BYTES } from './legacy-body-limit.ts';
import { createLegacyForwarder } from './legacy-forwarder.ts';
import type { LegacyEngine } from './legacy-forwarder.ts';
import { sendInternalError } from './problem-response.ts';
import { createAccount } from './stages/account.ts';
import { createDecide } from './stages/decide.ts';
import { createBreakers } from './stages/guard.ts';
import { createMatch } from './stages/match.ts';
import { createObserve } from './stages/observe.ts';
import { createServeLegacy } from './stages/serve-legacy.ts';
import { createServeNew } from './stages/serve-new.ts';
import { createUpgrades, isWebSocketHandshake } from './stages/upgrade.ts';

/*
 * The public port, as a pipeline of stages over one Exchange per request (src/proxy/stages/):
 *
 *   match    find the route (or the catch-all) and open the Exchange           stages/match.ts
 *   decide   the route's flag for this caller: legacy, shadow, canary or new    stages/decide.ts
 *   observe  tee what is sent and received, for shadow comparison              stages/observe.ts
 *   guard    the route's circuit breaker before its new handler                 stages/guard.ts
 *   serve    legacy (streamed) or new (buffered, with fallback to legacy)       stages/serve-legacy.ts
 *                                                                               stages/serve-new.ts
 *   account  metrics and the request log, once the response closes            stages/account.ts
 *
 * WebSocket handshakes skip it all and go to legacy (stages/upgrade.ts). Plain node:http, no framework
 * router, because unmatched traffic is most of the traffic and must stay as close to a bare reverse
 * proxy as possible.
 */

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

const DEFAULT_MAX_HANDLER_BODY = 10 * 1024 * 1024;

export function createPublicServer(deps: PublicServerDeps): PublicServer {
  const stages = createStages(deps);
  const server = http.createServer(
    { keepAliveTimeout: 65_000, shouldUpgradeCallback: isWebSocketHandshake },
    pipeline(stages, deps.logger),
  );
  server.on('upgrade', stages.upgrades.handle);
  // No clientError listener: node answers malformed requests itself (400, 408, 431) like a bare server.
  return { server, close: () => closeServer(server, stages, deps.shutdownGraceMs ?? 10_000) };
}

type Stages = ReturnType<typeof createStages>;

function createStages(deps: PublicServerDeps) {
  const { config, routes, flags, metrics, logger } = deps;
  const rewriteHost = config.hostHeader === 'rewrite' ? config.legacyUrl.host : undefined;
  const forwarder = createLegacyForwarder({
    legacyUrl: config.legacyUrl,
    upgradeTimeoutMs: config.legacyTimeoutMs,
    metrics,
    logger,
    ...(deps.legacyAgent === undefined ? {} : { agent: deps.legacyAgent }),
    ...(deps.legacyEngine === undefined ? {} : { engine: deps.legacyEngine }),
  });
  const serveLegacy = createServeLegacy({
    forwarder,
    rewriteHost,
    legacyMaxBodyBytes: deps.legacyMaxBodyBytes ?? KESTREL_MAX_REQUEST_BODY_BYTES,
  });
  return {
    forwarder,
    match: createMatch(routes, config.legacyTimeoutMs, logger),
    decide: createDecide(flags, logger),
    observe: createObserve(deps.observer, logger),
    breakerFor: createBreakers(deps.circuitBreaker ?? DEFAULT_CIRCUIT_BREAKER, metrics, logger, deps.now),
    serveLegacy,
    serveNew: createServeNew({
      maxHandlerBodyBytes: deps.maxHandlerBodyBytes ?? DEFAULT_MAX_HANDLER_BODY,
      serveLegacy,
      metrics,
      logger,
    }),
    account: createAccount(metrics, logger),
    upgrades: createUpgrades({ forwarder, legacyTimeoutMs: config.legacyTimeoutMs, rewriteHost, logger }),
  };
}

/** The stages in order, for one request. */
function pipeline(stages: Stages, logger: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  const { match, decide, observe, breakerFor, serveLegacy, serveNew, account } = stages;

  const serveMatched = (
    req: IncomingMessage,
    res: ServerResponse,
    exchange: Exchange,
    matched: RouteMatch,
  ): void => {
    const decision = decide(matched.route, req);
    exchange.mode = decision.mode;
    const observation = observe.start(req, res, exchange, matched, decision);
    if (decision.serve === 'new') {
      const breaker = breakerFor(matched.route.id);
      if (breaker.tryAcquire()) {
        serveNew(req, res, exchange, matched, breaker, observation).catch((error: unknown) =>
          failRequest(res, exchange, error, logger),
        );
        return;
      }
    }
    if (observation !== undefined)
      observe.announceWhenReceived(req, exchange, matched, decision, observation);
    serveLegacy(req, res, exchange);
  };

  return (req, res) => {
    const started = performance.now();
    const { method, match: matched, exchange } = match(req);
    // 'close' comes once; `on` spares the wrapper `once` allocates per request.
    res.on('close', () => {
      // The client left before any response started: nginx's 499, so it is not counted as a 200.
      const status = !res.headersSent && !res.writableFinished ? 499 : res.statusCode;
      account(exchange, method, status, started);
    });
    try {
      if (matched === undefined) serveLegacy(req, res, exchange);
      else serveMatched(req, res, exchange, matched);
    } catch (error: unknown) {
      failRequest(res, exchange, error, logger);
    }
  };
}

/** Last resort for a bug on our side: one request fails, the process and its other requests don't. */
function failRequest(res: ServerResponse, exchange: Exchange, error: unknown, logger: Logger): void {
  logger.error('request failed inside the proxy', {
    requestId: exchange.requestId,
    route: exchange.route,
    error: errorDetails(error),
  });
  sendInternalError(res, exchange.requestId);
}

/** Stops taking connections; in-flight exchanges get `graceMs` before they are cut. */
function closeServer(server: http.Server, stages: Stages, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const grace = setTimeout(() => {
      server.closeAllConnections();
      stages.upgrades.destroyAll();
    }, graceMs);
    grace.unref();
    server.close(() => {
      clearTimeout(grace);
      stages.upgrades.destroyAll();
      void stages.forwarder.close().then(resolve);
    });
    server.closeIdleConnections();
  });
}
