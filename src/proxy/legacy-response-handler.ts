import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { errors } from 'undici';
import type { Dispatcher } from 'undici';
import { SAFE_METHODS } from '../routing/route.ts';
import type { ConnectionWaitSweep } from './connection-wait-sweep.ts';
import type { Exchange } from './exchange.ts';
import { responseHeaders } from './forward-headers.ts';
import type { LegacyFailureReporter } from './legacy-failure.ts';
import { LEGACY_TIMEOUT_CODE, LegacyTimeoutError, upstreamErrorCode } from './upstream-error.ts';

/** What the handlers of one undici forwarder share. */
export interface HandlerContext {
  readonly waitingForConnection: ConnectionWaitSweep;
  readonly reportFailure: LegacyFailureReporter;
  /** Sends a bodyless safe request once more after legacy reset its connection without an answer. */
  readonly retry: (req: IncomingMessage, res: ServerResponse, exchange: Exchange, code: string) => void;
}

/**
 * One request's trip through undici: legacy's response goes straight from undici's parser callbacks
 * into the client's ServerResponse, with backpressure through the controller's pause/resume, and
 * the route's idle timeout kept (see PRECISE_TIMEOUT_BELOW_MS in undici-forwarder.ts).
 */
export class LegacyResponseHandler implements Dispatcher.DispatchHandler {
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #exchange: Exchange | undefined;
  readonly #timeoutMs: number;
  readonly #precise: boolean;
  readonly #bodyless: boolean;
  readonly #context: HandlerContext;
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
    context: HandlerContext,
  ) {
    this.#req = req;
    this.#res = res;
    this.#exchange = exchange;
    this.#timeoutMs = timeoutMs;
    this.#precise = precise;
    this.#bodyless = bodyless;
    this.#context = context;
    // Told through the exchange when there is one (its account listener calls it), else by the response.
    if (exchange !== undefined) exchange.onResponseClose = this.#onClientClose;
    else res.on('close', this.#onClientClose);
    // Until undici starts the request it waits for a pooled connection (all busy, or a connect that
    // hangs: the pool's connect timeout is LEGACY_TIMEOUT_MS, not this route's); that wait counts too,
    // on this handler's own timer when precise, else on the shared sweep of waiting requests.
    if (precise) this.#armTimer();
    else this.#context.waitingForConnection.watch(this, timeoutMs);
  }

  // The client went away before legacy's response was complete: legacy's request is cancelled
  // (and its connection dropped, since a half-read response cannot be reused).
  readonly #onClientClose = (): void => {
    if (this.#finished) return;
    this.#clientGone = true;
    this.#stopTimer();
    this.#context.waitingForConnection.started(this);
    if (this.#exchange !== undefined && this.#exchange.upstreamError === undefined) {
      this.#exchange.upstreamError = 'CLIENT_CLOSED';
    }
    this.#controller?.abort(new ClientClosedError());
  };

  #stopListening(): void {
    const exchange = this.#exchange;
    if (exchange === undefined) this.#res.removeListener('close', this.#onClientClose);
    else if (exchange.onResponseClose === this.#onClientClose) exchange.onResponseClose = undefined;
  }

  #onDrain(): void {
    // The wait for the client does not count against legacy (undici restarts its clock here too).
    if (!this.#finished) this.#timer?.refresh();
    this.#controller?.resume();
  }

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
      this.#stopListening();
      this.#context.reportFailure(
        new LegacyTimeoutError(this.#timeoutMs),
        LEGACY_TIMEOUT_CODE,
        this.#req,
        this.#res,
      );
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
    if (!this.#precise) this.#context.waitingForConnection.started(this);
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
        // Made only now: most responses never wait for the client.
        this.#res.on('drain', () => this.#onDrain());
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
    this.#stopListening();
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
      this.#context.retry(this.#req, res, exchange, code);
      return;
    }
    this.#context.reportFailure(reported, code, this.#req, res);
  }
}

function onPreciseTimeout(handler: { timedOut(): void }): void {
  handler.timedOut();
}

export class ClientClosedError extends Error {
  constructor() {
    super('client closed the connection');
    this.name = 'ClientClosedError';
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
