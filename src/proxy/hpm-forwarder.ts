import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { Plugin } from 'http-proxy-middleware';
import type { Logger } from '../observability/logger.ts';
import { errorDetails } from '../observability/logger.ts';
import { SAFE_METHODS } from '../routing/route.ts';
import { exchangeOf } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { responseHeaders } from './forward-headers.ts';
import type { LegacyFailureReporter } from './legacy-failure.ts';
import { LegacyTimeoutError, upstreamErrorCode } from './upstream-error.ts';

export interface HpmForwarderDeps {
  readonly legacyUrl: URL;
  /** Keep-alive pool to legacy for plain requests. */
  readonly agent: http.Agent;
  readonly logger: Logger;
  readonly reportFailure: LegacyFailureReporter;
  /** How long legacy may take to answer a WebSocket handshake. */
  readonly upgradeTimeoutMs: number;
}

export interface HpmForwarder {
  forward(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
}

/*
 * Hot path design: http-proxy-middleware 4 forwards with httpxy, a fork of
 * node-http-proxy over node:http. Its default plugins log every response through a URL it builds
 * per request and install error handlers that answer text/plain; they are ejected and replaced by
 * the two small plugins below. The middleware is called straight from node's request event
 * (no express router), legacy's URL is passed as a URL object (httpxy re-parses strings per
 * request), and the agent keeps connections to legacy alive (httpxy's default agent would too,
 * but a module-global pool cannot be closed or sized per deployment).
 */
export function createHpmForwarder(deps: HpmForwarderDeps): HpmForwarder {
  const { legacyUrl, agent, logger, reportFailure } = deps;
  const reportError = (error: Error, req?: IncomingMessage, res?: ServerResponse | Socket): void => {
    if (req === undefined || res === undefined) {
      logger.error('legacy forwarder failed', { error: errorDetails(error) });
      return;
    }
    const exchange = exchangeOf(req);
    const code = upstreamErrorCode(error);
    if (exchange !== undefined && 'writeHead' in res && isStaleConnection(code, exchange, req, res)) {
      // Legacy closed an idle pooled connection just as it was reused (the keep-alive race): legacy
      // never saw this request, so a bodyless safe request is sent once more on a fresh connection,
      // as nginx's proxy_next_upstream does.
      exchange.retried = true;
      exchange.legacyBody = Readable.from([], { objectMode: false });
      logger.debug('stale pooled connection to legacy, retrying', { requestId: exchange.requestId, code });
      forward(req, res);
      return;
    }
    reportFailure(error, code, req, res);
  };

  const intermediaryPlugin = intermediary(reportError);

  const webProxy = createProxyMiddleware<IncomingMessage, ServerResponse>({
    target: legacyUrl,
    agent,
    ejectPlugins: true,
    plugins: [intermediaryPlugin],
  });
  // A body that was already read (for a new handler) is replayed from a stream: httpxy's `buffer`
  // option, which only a router can set per request. A second instance keeps that step (an extra
  // async hop per request) off the hot path.
  const replayProxy = createProxyMiddleware<IncomingMessage, ServerResponse>({
    target: legacyUrl,
    agent,
    ejectPlugins: true,
    plugins: [intermediaryPlugin],
    router: (req, _res, options) => {
      const body = exchangeOf(req)?.legacyBody;
      if (body !== undefined) options.buffer = body;
      return legacyUrl;
    },
  });
  // A handshake socket leaves the pool once upgraded; a separate, agent-less proxy keeps the
  // pooled sockets for plain requests.
  const wsProxy = createProxyMiddleware<IncomingMessage, ServerResponse>({
    target: legacyUrl,
    agent: false,
    upgradeTimeout: deps.upgradeTimeoutMs,
    ejectPlugins: true,
    plugins: [intermediaryPlugin],
  });

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = exchangeOf(req)?.requestId;
    // Before httpxy copies legacy's headers over it: legacy's own X-Request-Id, if any, wins.
    if (requestId !== undefined) res.setHeader('x-request-id', requestId);
    // httpxy reports failures through the 'error' event above; `next` only sees what escapes it
    // (a failure before the upstream request exists), which must still answer the client.
    const proxy = exchangeOf(req)?.legacyBody === undefined ? webProxy : replayProxy;
    void proxy(req, res, (error?: unknown) => {
      if (error === undefined) return;
      const exchange = exchangeOf(req);
      if (exchange?.upstreamError !== undefined || res.headersSent || res.destroyed) return;
      reportError(error instanceof Error ? error : new Error(String(error)), req, res);
    });
  };

  return {
    forward,
    upgrade(req, socket, head) {
      wsProxy.upgrade(req, socket, head);
    },
  };
}

/** The plugin every proxy instance gets: errors, timeouts, tees and legacy's response headers. */
function intermediary(
  reportError: (error: Error, req?: IncomingMessage, res?: ServerResponse | Socket) => void,
): Plugin {
  return (proxyServer) => {
    proxyServer.on('error', reportError);
    proxyServer.on('proxyReq', (proxyReq, req, res) => {
      const exchange = exchangeOf(req);
      if (exchange === undefined) return;
      exchange.reusedConnection = proxyReq.reusedSocket;
      // A client cut off mid-upload has its answer already (upload-gate.ts); httpxy only cancels
      // legacy's request for a response that did not finish, so the half-sent body is dropped here.
      if (exchange.legacyBody !== undefined) abandonUnsentBody(proxyReq, res);
      // An idle timeout, not a deadline: a long download or an event stream that keeps sending is
      // healthy; legacy going quiet for longer than the timeout is not (nginx's proxy_read_timeout).
      const timeoutMs = exchange.legacyTimeoutMs;
      proxyReq.setTimeout(timeoutMs, () => proxyReq.destroy(new LegacyTimeoutError(timeoutMs)));
    });
    proxyServer.on('proxyRes', (proxyRes, req, res) => {
      proxyRes.headers = responseHeaders(proxyRes.headers);
      // httpxy fills in a missing Connection from the client's (already removed) header; say what
      // node will actually do with the client connection instead.
      proxyRes.headers.connection = res.shouldKeepAlive ? 'keep-alive' : 'close';
      exchangeOf(req)?.onLegacyResponse?.(proxyRes);
    });
    // The client went away before legacy answered: httpxy destroys the upstream request and
    // reports it here, not as an error.
    proxyServer.on('econnreset', (_error, req) => {
      const exchange = exchangeOf(req);
      if (exchange !== undefined) exchange.upstreamError = 'CLIENT_CLOSED';
    });
  };
}

function abandonUnsentBody(proxyReq: http.ClientRequest, res: ServerResponse): void {
  const abandon = (): void => {
    if (!proxyReq.writableFinished) proxyReq.destroy();
  };
  if (res.writableFinished) abandon();
  else res.once('close', abandon);
}

function isStaleConnection(
  code: string,
  exchange: Exchange,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  return (
    (code === 'ECONNRESET' || code === 'EPIPE') &&
    exchange.reusedConnection &&
    !exchange.retried &&
    !res.headersSent &&
    SAFE_METHODS.has(req.method ?? '') &&
    req.headers['transfer-encoding'] === undefined &&
    (req.headers['content-length'] === undefined || req.headers['content-length'] === '0')
  );
}
