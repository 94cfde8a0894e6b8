import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { Pool, errors } from 'undici';
import type { Dispatcher } from 'undici';
import type { Logger } from '../observability/logger.ts';
import { SAFE_METHODS } from '../routing/route.ts';
import { exchangeOf } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import { responseHeaders } from './forward-headers.ts';
import type { LegacyFailureReporter } from './legacy-failure.ts';
import { LEGACY_TIMEOUT_CODE, LegacyTimeoutError, upstreamErrorCode } from './upstream-error.ts';

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
 * `dispatch` is undici's lowest layer: legacy's response goes straight from its parser callbacks
 * into the client's ServerResponse, with backpressure through the controller's pause/resume.
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
    let body: Dispatcher.DispatchOptions['body'] = null;
    if (exchange?.legacyBody !== undefined) body = exchange.legacyBody;
    else if (chunked || (headers['content-length'] !== undefined && headers['content-length'] !== '0')) {
      const tee = exchange?.onLegacyRequestBody;
      body = tee === undefined ? req : Readable.from(teed(req, tee), { objectMode: false });
    }
    const precise = timeoutMs < PRECISE_TIMEOUT_BELOW_MS;
    const handler = new LegacyResponseHandler(req, res, exchange, timeoutMs, precise, body === null, retry);
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

  class LegacyResponseHandler implements Dispatcher.DispatchHandler {
    readonly #req: IncomingMessage;
    readonly #res: ServerResponse;
    readonly #exchange: Exchange | undefined;
    readonly #timeoutMs: number;
    readonly #precise: boolean;
    readonly #bodyless: boolean;
    readonly #retry: typeof retry;
    #controller: Dispatcher.DispatchController | undefined;
    #tap: EventEmitter | undefined;
    #clientGone = false;
    #finished = false;
    #draining = false;
    #responseStarted = false;
    /** Timed out while still waiting for a connection; the client has its 504 already. */
    #abandoned = false;
    /** On the connection-wait sweep (timeouts of 2 s and up): see createConnectionWaitSweep. */
    waitSlot = -1;
    waitDeadline = 0;
    /** The precise timeout (only when #precise): legacy's silence since its last sign of life. */
    #timer: NodeJS.Timeout | undefined;

    constructor(
      req: IncomingMessage,
      res: ServerResponse,
      exchange: Exchange | undefined,
      timeoutMs: number,
      precise: boolean,
      bodyless: boolean,
      retryOnce: typeof retry,
    ) {
      this.#req = req;
      this.#res = res;
      this.#exchange = exchange;
      this.#timeoutMs = timeoutMs;
      this.#precise = precise;
      this.#bodyless = bodyless;
      this.#retry = retryOnce;
      res.on('close', this.#onClientClose);
      // Until undici starts the request it waits for a pooled connection (all busy, or a connect that
      // hangs: the pool's connect timeout is LEGACY_TIMEOUT_MS, not this route's); that wait counts too,
      // on this handler's own timer when precise, else on the shared sweep of waiting requests.
      if (precise) this.#armTimer();
      else waitingForConnection.watch(this, timeoutMs);
    }

    // The client went away before legacy's response was complete: legacy's request is cancelled
    // (and its connection dropped, since a half-read response cannot be reused).
    readonly #onClientClose = (): void => {
      if (this.#finished) return;
      this.#clientGone = true;
      this.#stopTimer();
      waitingForConnection.started(this);
      if (this.#exchange !== undefined && this.#exchange.upstreamError === undefined) {
        this.#exchange.upstreamError = 'CLIENT_CLOSED';
      }
      this.#controller?.abort(new ClientClosedError());
    };

    readonly #onDrain = (): void => {
      // The wait for the client does not count against legacy (undici restarts its clock here too).
      if (!this.#finished) this.#timer?.refresh();
      this.#controller?.resume();
    };

    /*
     * The precise timer mirrors undici's own: the wait for headers starts once the whole request is
     * on the wire (1xx answers restart it), the body timeout is an idle timeout restarted by every
     * chunk, and neither runs out while the client holds legacy's response back. On expiry the
     * request is aborted with undici's own error, so onResponseError reports it exactly as if
     * undici's timer had fired: a 504 before the headers, a cut-off response after them.
     */
    #armTimer(): void {
      if (!this.#precise || this.#finished) return;
      if (this.#timer === undefined) this.#timer = setTimeout(onPreciseTimeout, this.#timeoutMs, this);
      else this.#timer.refresh();
    }

    #stopTimer(): void {
      if (this.#timer === undefined) return;
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }

    /**
     * Called by the precise timer, or by the sweep while still waiting for a connection; a no-op once
     * the exchange is over, the client has gone, or while the client is slow.
     */
    timedOut(): void {
      const controller = this.#controller;
      if (this.#finished || this.#clientGone) return;
      if (controller === undefined) {
        // Never started: nothing to abort yet. The client gets its 504 now; onRequestStart drops
        // the request if a connection turns up later.
        this.#timer = undefined;
        this.#finished = true;
        this.#abandoned = true;
        this.#res.removeListener('close', this.#onClientClose);
        reportFailure(new LegacyTimeoutError(this.#timeoutMs), LEGACY_TIMEOUT_CODE, this.#req, this.#res);
        return;
      }
      if (this.#timer === undefined) return;
      // Paused for the client: the drain handler restarts the clock, as undici does on resume.
      if (controller.paused) return;
      this.#timer = undefined;
      controller.abort(
        this.#responseStarted ? new errors.BodyTimeoutError() : new errors.HeadersTimeoutError(),
      );
    }

    onRequestStart(controller: Dispatcher.DispatchController): void {
      this.#controller = controller;
      if (!this.#precise) waitingForConnection.started(this);
      if (this.#abandoned || this.#clientGone) {
        controller.abort(new ClientClosedError());
        return;
      }
      // Connected and sending: while a body uploads, undici's backstop watches (see BACKSTOP_MARGIN_MS);
      // the precise clock starts again once the request is on the wire.
      this.#stopTimer();
    }

    onRequestSent(): void {
      // Legacy may answer before reading the whole body; the body clock then already runs.
      if (!this.#responseStarted) this.#armTimer();
    }

    onResponseStart(
      controller: Dispatcher.DispatchController,
      statusCode: number,
      headers: IncomingHttpHeaders,
      statusMessage?: string,
    ): void {
      // 1xx interim answers are legacy's business with this hop (node already told the client 100),
      // but they are a sign of life: the wait for the final headers starts again (if it has begun).
      if (statusCode < 200) {
        this.#timer?.refresh();
        return;
      }
      this.#responseStarted = true;
      this.#armTimer();
      const res = this.#res;
      if (this.#clientGone || res.destroyed) {
        controller.abort(new ClientClosedError());
        return;
      }
      const clean = responseHeaders(headers);
      // An HTTP/1.0 client knows no chunked framing (RFC 9112 §6.1): node ends the body by closing.
      if (this.#req.httpVersionMinor === 0 && clean['transfer-encoding'] !== undefined) {
        delete clean['transfer-encoding'];
      }
      const requestId = this.#exchange?.requestId;
      if (requestId !== undefined && clean['x-request-id'] === undefined) clean['x-request-id'] = requestId;
      if (statusMessage !== undefined && statusMessage !== '') res.statusMessage = statusMessage;
      const onLegacyResponse = this.#exchange?.onLegacyResponse;
      if (onLegacyResponse === undefined) {
        // Straight into writeHead: headers set on res beforehand would make node re-validate and
        // re-store every one of legacy's through setHeader.
        res.writeHead(statusCode, clean);
      } else {
        // An observed exchange: the observer reads what the client got from res.getHeaders().
        for (const name in clean) {
          const value = clean[name];
          if (value !== undefined) res.setHeader(name, value);
        }
        res.writeHead(statusCode);
        this.#tap = responseTap(statusCode, clean, statusMessage);
        onLegacyResponse(this.#tap as IncomingMessage);
      }
    }

    onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
      this.#timer?.refresh();
      this.#tap?.emit('data', chunk);
      if (!this.#res.write(chunk)) {
        controller.pause();
        if (!this.#draining) {
          this.#draining = true;
          this.#res.on('drain', this.#onDrain);
        }
      }
    }

    onResponseEnd(): void {
      this.#finished = true;
      this.#stopTimer();
      this.#tap?.emit('end');
      this.#res.end();
    }

    onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
      if (this.#abandoned) return;
      this.#finished = true;
      this.#stopTimer();
      const res = this.#res;
      res.removeListener('close', this.#onClientClose);
      if (this.#clientGone || error instanceof ClientClosedError) {
        res.destroy();
        return;
      }
      const exchange = this.#exchange;
      const timedOut =
        error.name === 'HeadersTimeoutError' ||
        error.name === 'BodyTimeoutError' ||
        error.name === 'ConnectTimeoutError';
      const reported = timedOut ? new LegacyTimeoutError(this.#timeoutMs) : error;
      const code = timedOut ? LEGACY_TIMEOUT_CODE : legacyErrorCode(error);
      if (
        exchange !== undefined &&
        !exchange.retried &&
        !res.headersSent &&
        this.#bodyless &&
        (code === 'ECONNRESET' || code === 'EPIPE') &&
        SAFE_METHODS.has(this.#req.method ?? '')
      ) {
        this.#retry(this.#req, res, exchange, code);
        return;
      }
      reportFailure(reported, code, this.#req, res);
    }
  }

  return {
    forward,
    close: async () => {
      waitingForConnection.close();
      await pool.destroy();
    },
  };
}

/** How often requests on the sweep are checked: their 504 comes up to this late (timeouts of 2 s up). */
const CONNECTION_WAIT_SWEEP_MS = 100;

/** A request on the sweep: where it sits in the sweep's list, and when it times out. */
interface WaitingRequest {
  timedOut(): void;
  /** Its index in the sweep's list, -1 when not on it. */
  waitSlot: number;
  waitDeadline: number;
}

interface ConnectionWaitSweep {
  watch(handler: WaitingRequest, timeoutMs: number): void;
  started(handler: WaitingRequest): void;
  close(): void;
}

/**
 * Requests of 2 s timeouts and up that undici has not started yet: waiting for a pooled connection (all
 * in use during a legacy brownout) or for a connect that hangs. undici's own timers only start once the
 * request is on the wire, so without this a route's timeout would not cover that wait. One list and one
 * interval for all of them (running only while some wait), not a timer per request; each request keeps
 * its own index in the list, so joining and leaving it are two array writes (a Map keyed by the handler
 * would give every handler object an identity hash, which measurably slowed the hot path).
 */
function createConnectionWaitSweep(everyMs: number): ConnectionWaitSweep {
  const waiting: WaitingRequest[] = [];
  let timer: NodeJS.Timeout | undefined;
  const remove = (handler: WaitingRequest): void => {
    const slot = handler.waitSlot;
    if (slot < 0) return;
    const last = waiting.pop() as WaitingRequest;
    if (last !== handler) {
      waiting[slot] = last;
      last.waitSlot = slot;
    }
    handler.waitSlot = -1;
  };
  const sweep = (): void => {
    const now = Date.now();
    for (let i = waiting.length - 1; i >= 0; i--) {
      const handler = waiting[i] as WaitingRequest;
      if (handler.waitDeadline > now) continue;
      remove(handler);
      handler.timedOut();
    }
    if (waiting.length === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  return {
    watch(handler, timeoutMs) {
      handler.waitDeadline = Date.now() + timeoutMs;
      handler.waitSlot = waiting.push(handler) - 1;
      if (timer === undefined) {
        timer = setInterval(sweep, everyMs);
        timer.unref();
      }
    },
    started: remove,
    close() {
      for (const handler of waiting) handler.waitSlot = -1;
      waiting.length = 0;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}

function onPreciseTimeout(handler: { timedOut(): void }): void {
  handler.timedOut();
}

class ClientClosedError extends Error {
  constructor() {
    super('client closed the connection');
    this.name = 'ClientClosedError';
  }
}

/** The request body as it streams to legacy, shown to the observer chunk by chunk. */
async function* teed(req: IncomingMessage, tee: (chunk: Buffer) => void): AsyncGenerator<Buffer> {
  for await (const chunk of req as AsyncIterable<Buffer>) {
    tee(chunk);
    yield chunk;
  }
}

/**
 * Exchange.onLegacyResponse was written for node's IncomingMessage; the observer only listens for
 * 'data' and reads status and headers, which this stand-in provides without a second stream.
 */
function responseTap(
  statusCode: number,
  headers: IncomingHttpHeaders,
  statusMessage: string | undefined,
): EventEmitter & Pick<IncomingMessage, 'statusCode' | 'headers' | 'statusMessage'> {
  return Object.assign(new EventEmitter(), { statusCode, headers, statusMessage: statusMessage ?? '' });
}

/** undici wraps socket failures; the label keeps node's codes so both engines count alike. */
function legacyErrorCode(error: Error): string {
  const code = upstreamErrorCode(error);
  if (code === 'UND_ERR_SOCKET') {
    const cause = (error as { cause?: unknown }).cause;
    const inner = cause === undefined ? undefined : upstreamErrorCode(cause);
    // "other side closed": legacy hung up without an answer, what node's client calls ECONNRESET.
    return inner === undefined || inner === 'UNKNOWN' || inner.startsWith('UND_ERR') ? 'ECONNRESET' : inner;
  }
  return code;
}
