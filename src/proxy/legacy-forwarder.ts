import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { createHpmForwarder } from './hpm-forwarder.ts';
import { createLegacyFailureReporter } from './legacy-failure.ts';
import { createUndiciForwarder } from './undici-forwarder.ts';

export interface LegacyForwarderDeps {
  readonly legacyUrl: URL;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** How long legacy may take to answer a WebSocket handshake. */
  readonly upgradeTimeoutMs: number;
  /** Keep-alive pool to legacy for the http-proxy-middleware engine; made here when omitted. */
  readonly agent?: http.Agent;
  /** Which client carries plain requests to legacy (WebSocket upgrades always use http-proxy-middleware). */
  readonly engine?: LegacyEngine;
  /** Most connections to legacy at once for plain requests (512 by default); more wait for one. */
  readonly connections?: number;
}

/** The forwarding engines for plain requests; PROXY_ENGINE picks one. */
export const LEGACY_ENGINES = ['undici', 'http-proxy-middleware'] as const;
export type LegacyEngine = (typeof LEGACY_ENGINES)[number];
/** PROXY_ENGINE's default, and the engine of a forwarder created without one: about half the CPU per request. */
export const DEFAULT_LEGACY_ENGINE: LegacyEngine = 'undici';

const DEFAULT_LEGACY_CONNECTIONS = 512;

export function isLegacyEngine(value: string): value is LegacyEngine {
  return (LEGACY_ENGINES as readonly string[]).includes(value);
}

export interface LegacyForwarder {
  /** Streams the request to legacy and legacy's response back; the request carries its Exchange. */
  forward(req: IncomingMessage, res: ServerResponse): void;
  /** Proxies a WebSocket handshake and then the raw sockets both ways. */
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
  /** Closes pooled connections to legacy. */
  close(): Promise<void>;
}

/**
 * The client to legacy: plain requests on the engine PROXY_ENGINE picks (undici-forwarder.ts or
 * hpm-forwarder.ts), WebSocket handshakes always on http-proxy-middleware, over one keep-alive agent.
 */
export function createLegacyForwarder(deps: LegacyForwarderDeps): LegacyForwarder {
  const { metrics, logger, legacyUrl } = deps;
  const ownAgent = deps.agent === undefined;
  // noDelay reaches net.createConnection (node passes agent options through; @types/node omits
  // it): a proxy writes small header packets that must not wait for Nagle's algorithm.
  const agentOptions: http.AgentOptions & { noDelay: boolean } = {
    keepAlive: true,
    keepAliveMsecs: 1000,
    maxSockets: deps.connections ?? DEFAULT_LEGACY_CONNECTIONS,
    maxFreeSockets: 256,
    noDelay: true,
    // Idle pooled connections are dropped after 30 s, before IIS (120 s) or Kestrel (130 s) would
    // close them under us; the retry below covers the race that remains.
    timeout: 30_000,
  };
  // An https legacy (Azure App Service's default) needs a TLS agent, for plain requests on this engine
  // and for WebSocket upgrades on either.
  const agent =
    deps.agent ??
    (legacyUrl.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions));

  const reportFailure = createLegacyFailureReporter({ metrics, logger });
  const hpm = createHpmForwarder({
    legacyUrl,
    agent,
    logger,
    reportFailure,
    upgradeTimeoutMs: deps.upgradeTimeoutMs,
  });
  const undici =
    (deps.engine ?? DEFAULT_LEGACY_ENGINE) === 'undici'
      ? createUndiciForwarder({
          legacyUrl,
          logger,
          reportFailure,
          defaultTimeoutMs: deps.upgradeTimeoutMs,
          connections: deps.connections ?? DEFAULT_LEGACY_CONNECTIONS,
        })
      : undefined;
  return {
    forward: undici?.forward ?? hpm.forward,
    upgrade: hpm.upgrade,
    async close() {
      if (ownAgent) agent.destroy();
      await undici?.close();
    },
  };
}
