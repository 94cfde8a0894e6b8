import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { Logger } from '../observability/logger.ts';
import { CONNECTION_WAIT_SWEEP_MS, createConnectionWaitSweep } from './connection-wait-sweep.ts';
import { exchangeOf } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import type { LegacyFailureReporter } from './legacy-failure.ts';
import { LegacyResponseHandler } from './legacy-response-handler.ts';
import type { HandlerContext } from './legacy-response-handler.ts';
import { hasBody } from './stages/read-body.ts';

export interface UndiciForwarderDeps {
  readonly legacyUrl: URL;
  readonly logger: Logger;
  readonly reportFailure: LegacyFailureReporter;
  /** Idle timeout for a request without an Exchange, and the connect timeout. */
  readonly defaultTimeoutMs: number;
  /** Most connections kept to legacy at once; requests beyond that queue in the pool. */
  readonly connections?: number;
}

export interface UndiciForwarder {
  forward(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

/*
 * undici runs its headers and body timeouts on a shared clock that ticks every ~0.5 s, so a timeout
 * fires anywhere from ~0.5 s early (other requests keep the clock going) to ~1 s late: fine for
 * 30 s, useless for 300 ms. Below this bound the handler keeps its own node timer; above it undici's
 * clock is left in charge: a node timer per request, restarted on every chunk, is work the hot path
 * at tens of thousands of requests per second should not pay where the error no longer matters.
 */
export const PRECISE_TIMEOUT_BELOW_MS = 2000;
/*
 * On the precise path undici still gets a timeout, this much longer, as a backstop: it can never
 * fire before the precise timer (undici's clock is at most ~0.5 s early), and it alone watches the
 * upload phase, where only undici can tell legacy not reading the body from a client sending slowly.
 */
const BACKSTOP_MARGIN_MS = 1000;
/*
 * The pass-through engine for plain requests. node:http's client as httpxy drives it
 * costs ~80 µs of CPU per request here; undici's HTTP/1.1 client (llhttp in WebAssembly, headers
 * written as one string, no ClientRequest/IncomingMessage objects per request) a fraction of that.
 * `dispatch` is undici's lowest layer; legacy-response-handler.ts takes the response from there.
 * WebSocket upgrades stay on http-proxy-middleware (legacy-forwarder.ts).
 */
export function createUndiciForwarder(deps: UndiciForwarderDeps): UndiciForwarder {
  const { legacyUrl, logger, reportFailure, defaultTimeoutMs } = deps;
  const pool = new Pool(legacyUrl.origin, {
    connections: deps.connections ?? 512,
    pipelining: 1,
    connectTimeout: defaultTimeoutMs,
    // Idle pooled connections are dropped after 30 s, before IIS (120 s) or Kestrel (130 s) would
    // close them under us; a server that announces a shorter Keep-Alive timeout is believed.
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 30_000,
  });
  const waitingForConnection = createConnectionWaitSweep(CONNECTION_WAIT_SWEEP_MS);
  // httpxy appends the request URL to the target's path; the same here, byte-for-byte.
  const prefix = legacyUrl.pathname === '/' ? '' : legacyUrl.pathname.replace(/\/$/, '');

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const exchange = exchangeOf(req);
    const timeoutMs = exchange?.legacyTimeoutMs ?? defaultTimeoutMs;
    const headers: IncomingHttpHeaders = req.headers;
    const chunked = headers['transfer-encoding'] !== undefined;
    // undici frames the body itself (chunked when the length is unknown) and refuses to be told how;
    // undefined rather than delete keeps the object's fast properties (see forward-headers.ts).
    if (chunked) headers['transfer-encoding'] = undefined;
    const method = req.method ?? 'GET';
    // The serve-legacy stage has received the body (stages/serve-legacy.ts); a request forwarded
    // without it streams from the client.
    let body: Dispatcher.DispatchOptions['body'] = null;
    if (exchange?.legacyBody !== undefined) body = exchange.legacyBody;
    else if (chunked || hasBody(req)) body = req;
    const precise = timeoutMs < PRECISE_TIMEOUT_BELOW_MS;
    const handler = new LegacyResponseHandler(req, res, exchange, timeoutMs, precise, body === null, context);
    // Idle timeouts, not deadlines: a long download or an event stream that keeps sending is
    // healthy; legacy going quiet for longer is not (nginx's proxy_read_timeout).
    const undiciTimeoutMs = precise ? timeoutMs + BACKSTOP_MARGIN_MS : timeoutMs;
    pool.dispatch(
      {
        path: prefix + (req.url ?? '/'),
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        headersTimeout: undiciTimeoutMs,
        bodyTimeout: undiciTimeoutMs,
      },
      handler,
    );
  };

  const retry = (req: IncomingMessage, res: ServerResponse, exchange: Exchange, code: string): void => {
    // Legacy closed an idle pooled connection just as it was reused (the keep-alive race): legacy
    // never answered, and a bodyless safe request is sent once more, as nginx's proxy_next_upstream
    // does. undici does not say whether the socket was a reused one, so any first reset qualifies.
    exchange.retried = true;
    exchange.reusedConnection = true;
    logger.debug('connection to legacy reset before an answer, retrying', {
      requestId: exchange.requestId,
      code,
    });
    forward(req, res);
  };
  const context: HandlerContext = { waitingForConnection, reportFailure, retry };

  return {
    forward,
    close: async () => {
      waitingForConnection.close();
      await pool.destroy();
    },
  };
}
