import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import type { HostHeaderMode } from '../proxy/forward-headers.ts';
import { forwardHeaders } from '../proxy/forward-headers.ts';
import type { CapturedRequest, CapturedResponse } from './captured-exchange.ts';

/** Sends a captured request to legacy from the shadow side; rejects on network failure or abort. */
export type LegacyCall = (
  request: CapturedRequest,
  options: { readonly signal: AbortSignal; readonly limitBytes: number },
) => Promise<CapturedResponse>;

export interface LegacyCaller {
  readonly call: LegacyCall;
  close(): Promise<void>;
}

// RFC 9110 §7.6.1 hop-by-hop fields, plus what undici frames itself.
const DROPPED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'expect',
  'host',
  'accept-encoding',
]);

/**
 * Calls legacy for shadow comparisons over its own keep-alive pool, apart from the proxy's, so shadow
 * load can never take connections the client path needs. Bodies are read up to the limit only.
 */
export function createLegacyCaller(options: {
  readonly legacyUrl: URL;
  readonly hostHeader?: HostHeaderMode;
  /** Sockets to legacy for shadow calls (default 8, the runner's default concurrency). */
  readonly connections?: number;
}): LegacyCaller {
  const agent = new Agent({ connections: options.connections ?? 8, keepAliveTimeout: 10_000 });
  const base = options.legacyUrl;

  const call: LegacyCall = (captured, { signal, limitBytes }) => {
    // What the serving call to legacy carried: the client's headers minus hop-by-hop ones, with
    // X-Forwarded-For/-Proto/-Host and X-Request-Id appended by the same rules (a legacy that builds
    // links from them, or limits by client address, must answer this call as it answered that one).
    const forwarded = forwardHeaders(captured.headers as IncomingHttpHeaders, {
      remoteAddress: captured.client?.address,
      encrypted: captured.client?.encrypted === true,
      requestId: captured.requestId,
      rewriteHost: undefined,
    });
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(forwarded)) {
      if (value === undefined || DROPPED.has(name.toLowerCase())) continue;
      headers[name] = typeof value === 'string' ? value : [...value];
    }
    if (options.hostHeader === 'preserve' && typeof captured.headers.host === 'string') {
      headers.host = captured.headers.host;
    }
    // Compared bodies must be plain bytes; the client's response was decoded the same way.
    headers['accept-encoding'] = 'identity';
    const path =
      `${base.pathname.replace(/\/$/, '')}${captured.path}` +
      (captured.query === '' ? '' : `?${captured.query}`);
    return new Promise<CapturedResponse>((resolve, reject) => {
      if (signal.aborted) {
        reject(abortReason(signal));
        return;
      }
      const read = new CappedRead(limitBytes, signal, resolve, reject);
      agent.dispatch(
        {
          origin: base.origin,
          path,
          method: captured.method as Dispatcher.HttpMethod,
          headers,
          body: captured.body.length > 0 ? captured.body : null,
        },
        read,
      );
    });
  };

  return { call, close: () => agent.close() };
}

/*
 * undici's own `request()` was used here first; the objects of a finished call (its response stream
 * and what read it) then stayed reachable long enough to be copied by V8's young-generation
 * collections, ~5 KB per call, on every noise-learning call (node --trace-gc-nvp
 * scripts/bench-compare.ts --latency). This handler keeps only what the result needs and lets go of
 * the caller's callbacks and the signal once the call is over.
 */
class CappedRead implements Dispatcher.DispatchHandler {
  readonly #limitBytes: number;
  #signal: AbortSignal | undefined;
  #resolve: ((response: CapturedResponse) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #status = 0;
  #headers: Record<string, string | string[]> = {};
  #chunks: Buffer[] = [];
  #bytes = 0;
  #truncated = false;

  constructor(
    limitBytes: number,
    signal: AbortSignal,
    resolve: (response: CapturedResponse) => void,
    reject: (error: unknown) => void,
  ) {
    this.#limitBytes = limitBytes;
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  readonly #onAbort = (): void => {
    const reason = this.#signal === undefined ? new Error('aborted') : abortReason(this.#signal);
    this.#controller?.abort(reason);
    this.#finish(reason);
  };

  #finish(error?: unknown): void {
    const resolve = this.#resolve;
    const reject = this.#reject;
    if (resolve === undefined || reject === undefined) return;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#signal = undefined;
    this.#resolve = undefined;
    this.#reject = undefined;
    const chunks = this.#chunks;
    this.#chunks = [];
    if (error !== undefined) {
      reject(error);
      return;
    }
    resolve({
      status: this.#status,
      headers: this.#headers,
      body: this.#truncated ? Buffer.alloc(0) : Buffer.concat(chunks, this.#bytes),
      truncated: this.#truncated,
    });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#resolve === undefined) controller.abort(new Error('aborted'));
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    // 1xx interim answers are not the response.
    if (statusCode < 200) return;
    this.#status = statusCode;
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) out[name.toLowerCase()] = value;
    }
    this.#headers = out;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.#limitBytes) {
      // Over the cap: the rest is not read; the comparison is recorded as skipped.
      this.#truncated = true;
      this.#finish();
      controller.abort(new Error('shadow capture limit reached'));
      return;
    }
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.#finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#finish(error);
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted', { cause: reason });
}
