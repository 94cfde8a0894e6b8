import http from 'node:http';
import type { Duplex } from 'node:stream';

import type { FlagResolver } from '../../flags/flag-resolver.ts';
import type { TokenVerifier } from '../identity/token-verifier.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { RouteTable } from '../routing/route.ts';
import { answerConnect } from './stages/framing.ts';
import { DEFAULT_CIRCUIT_BREAKER } from './circuit-breaker.ts';
import type { CircuitBreakerSettings } from './circuit-breaker.ts';
import type { ExchangeObserver } from './exchange-observer.ts';
import type { HostHeaderMode } from './forward-headers.ts';
import { KESTREL_MAX_REQUEST_BODY_BYTES } from './legacy-body-limit.ts';
import { createLegacyForwarder } from './legacy-forwarder.ts';
import type { LegacyEngine } from './legacy-forwarder.ts';
import { requestPipeline } from './request-pipeline.ts';
import { createAccount } from './stages/account.ts';
import { createDecide } from './stages/decide.ts';
import { createIdentify } from './stages/identify.ts';
import { createBreakers } from './stages/guard.ts';
import { createMatch } from './stages/match.ts';
import { createObserve } from './stages/observe.ts';
import { createServeLegacy } from './stages/serve-legacy.ts';
import { createServeNew } from './stages/serve-new.ts';
import { createPipelining } from './stages/pipelining.ts';
import { createUpgrades, isWebSocketHandshake } from './stages/upgrade.ts';
import { BodyBudget } from './body-budget.ts';
import { createUploadGate, DEFAULT_BODY_SETTINGS, type BodySettings } from './upload-gate.ts';
import { UploadWatch } from './upload-watch.ts';
import { ConnectionDrain } from './connection-drain.ts';

/*
 * The public port: the stages over one Exchange per request, run in the order request-pipeline.ts
 * lists. WebSocket handshakes that no route claims skip them all and go to legacy (stages/upgrade.ts);
 * one on a route follows the route's decision as a plain request, since new handlers have no WebSocket
 * endpoints. CONNECT is answered here (stages/framing.ts). Plain node:http, no framework router, because
 * unmatched traffic is most of the traffic and must stay as close to a bare reverse proxy as possible.
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
  /** Request-body limits and the body budget (BODY_*); the documented defaults for those omitted. */
  readonly bodies?: Partial<BodySettings>;
  /**
   * How long close() waits for in-flight exchanges (event streams, WebSockets) before cutting them,
   * unless close() is given its own.
   */
  readonly shutdownGraceMs?: number;
  /** Connection pool to legacy; one keep-alive agent is created when omitted. */
  readonly legacyAgent?: http.Agent;
  /** Client that carries plain requests to legacy (PROXY_ENGINE); see legacy-forwarder.ts. */
  readonly legacyEngine?: LegacyEngine;
  /** Most connections to legacy at once (512 by default; tests use a small pool). */
  readonly legacyConnections?: number;
  /**
   * Verifies the bearer tokens of callers of routes with a policy (AUTH_ISSUER). Undefined: those
   * routes are served by legacy whatever their flags say.
   */
  readonly verifier?: TokenVerifier;
}

export interface PublicServer {
  readonly server: http.Server;
  /** The in-flight body budget (its `held` bytes are what metrics and tests read). */
  readonly bodyBudget: BodyBudget;
  /** From now on every response closes its connection (connection-drain.ts); the listener stays open. */
  drain(): void;
  /** Stops accepting and closes connections once idle; in-flight exchanges get `graceMs`, then are cut. */
  close(graceMs?: number): Promise<void>;
}

const DEFAULT_MAX_HANDLER_BODY = 10 * 1024 * 1024;

export function createPublicServer(deps: PublicServerDeps): PublicServer {
  const stages = createStages(deps);
  const shouldUpgradeCallback = (req: http.IncomingMessage): boolean =>
    isWebSocketHandshake(req) && stages.match(req).match === undefined;
  const connections = new ConnectionDrain();
  const server = http.createServer(
    { keepAliveTimeout: 65_000, shouldUpgradeCallback, ServerResponse: connections.Response },
    requestPipeline(stages, deps.logger),
  );
  server.on('upgrade', stages.upgrades.handle);
  server.on('connect', (req: http.IncomingMessage, socket: Duplex) => {
    const started = performance.now();
    answerConnect(socket);
    stages.account(stages.match(req).exchange, 'CONNECT', 404, started);
  });
  // node's own answers to malformed requests (400, 408, 431), but not to bytes after a closing request.
  server.on('clientError', stages.pipelining.onClientError);
  return {
    server,
    bodyBudget: stages.budget,
    drain: () => connections.drain(),
    close: (graceMs = deps.shutdownGraceMs ?? 10_000) =>
      closeServer(server, connections, stages, graceMs, deps.logger),
  };
}

type Stages = ReturnType<typeof createStages>;

function createStages(deps: PublicServerDeps) {
  const { config, routes, flags, metrics, logger } = deps;
  const bodies = { ...DEFAULT_BODY_SETTINGS, ...deps.bodies };
  const budget = new BodyBudget(bodies.budgetBytes);
  metrics.readBodyBudgetFrom(() => budget.held);
  const watch = new UploadWatch(bodies);
  const gate = createUploadGate({ watch, budget, metrics, logger });
  const rewriteHost = config.hostHeader === 'rewrite' ? config.legacyUrl.host : undefined;
  const forwarder = createLegacyForwarder({
    legacyUrl: config.legacyUrl,
    upgradeTimeoutMs: config.legacyTimeoutMs,
    metrics,
    logger,
    ...(deps.legacyAgent === undefined ? {} : { agent: deps.legacyAgent }),
    ...(deps.legacyEngine === undefined ? {} : { engine: deps.legacyEngine }),
    ...(deps.legacyConnections === undefined ? {} : { connections: deps.legacyConnections }),
  });
  const serveLegacy = createServeLegacy({
    forwarder,
    rewriteHost,
    legacyMaxBodyBytes: deps.legacyMaxBodyBytes ?? KESTREL_MAX_REQUEST_BODY_BYTES,
    gate,
    bufferBytes: bodies.bufferBytes,
  });
  return {
    forwarder,
    budget,
    watch,
    flags,
    pipelining: createPipelining(logger),
    match: createMatch(routes, config.legacyTimeoutMs, logger),
    decide: createDecide(flags, logger, deps.verifier !== undefined),
    identify: createIdentify(deps.verifier),
    observe: createObserve(deps.observer, logger, budget),
    breakerFor: createBreakers(deps.circuitBreaker ?? DEFAULT_CIRCUIT_BREAKER, metrics, logger, deps.now),
    serveLegacy,
    serveNew: createServeNew({
      maxHandlerBodyBytes: deps.maxHandlerBodyBytes ?? DEFAULT_MAX_HANDLER_BODY,
      gate,
      serveLegacy,
      metrics,
      logger,
    }),
    account: createAccount(metrics, logger),
    upgrades: createUpgrades({ forwarder, legacyTimeoutMs: config.legacyTimeoutMs, rewriteHost, logger }),
  };
}

/** Stops taking connections; in-flight exchanges get `graceMs` before they are cut. */
async function closeServer(
  server: http.Server,
  connections: ConnectionDrain,
  stages: Stages,
  graceMs: number,
  logger: Logger,
): Promise<void> {
  await connections.close(server, graceMs, () => {
    logger.warn('public port: exchanges still in flight at the shutdown timeout are cut', { graceMs });
    stages.upgrades.destroyAll();
  });
  stages.upgrades.destroyAll();
  stages.watch.close();
  await stages.forwarder.close();
}
