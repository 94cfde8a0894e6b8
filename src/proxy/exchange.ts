import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Principal } from '../identity/principal.ts';
import type { Span } from '../observability/tracing.ts';
import type { Mode, Target } from '../routing/route.ts';

/** Route label for traffic no route claims (metrics and logs). */
export const CATCH_ALL = 'catch-all';

/**
 * Per-request state the public server hands to the legacy forwarder's plugins, which only get
 * node's req/res from http-proxy-middleware. Kept on the request under a symbol: no lookup table
 * to clean up, and the hot path allocates one small object.
 */
export interface Exchange {
  readonly requestId: string;
  /** Route id, or `catch-all`. */
  readonly route: string;
  /** The path as logs show it: as received, with the route's personal-data segments masked. */
  readonly loggedPath: string;
  mode: Mode;
  target: Target;
  /** The verified caller, set by the identify stage on a route with a policy before its new handler runs. */
  principal: Principal | undefined;
  readonly legacyTimeoutMs: number;
  /** Replaces the request stream as the body sent to legacy (the body was already read). */
  legacyBody: Readable | undefined;
  /** Legacy's request went out on a pooled connection that had served an earlier request. */
  reusedConnection: boolean;
  /** The request was already sent again after a stale pooled connection failed. */
  retried: boolean;
  /** Set when the call to legacy failed (error code). */
  upstreamError: string | undefined;
  /** Sees the request body as it arrives on its way to legacy (observer tee); not a replayed body. */
  onLegacyRequestBody: ((chunk: Buffer) => void) | undefined;
  /** The request's server span; undefined while tracing is off. */
  span: Span | undefined;
  /** The client span of the call to legacy, ended with the exchange. */
  legacySpan: Span | undefined;
  /** Sees legacy's response before it is piped to the client (observer tee). */
  onLegacyResponse: ((response: IncomingMessage) => void) | undefined;
  /**
   * Called when the client's response closes, once the exchange is accounted: the call to legacy
   * listens here rather than with a 'close' listener of its own on the response.
   */
  onResponseClose: (() => void) | undefined;
}

const EXCHANGE = Symbol('strangler.exchange');

type WithExchange = IncomingMessage & { [EXCHANGE]?: Exchange };

export function attachExchange(req: IncomingMessage, exchange: Exchange): void {
  (req as WithExchange)[EXCHANGE] = exchange;
}

export function exchangeOf(req: IncomingMessage): Exchange | undefined {
  return (req as WithExchange)[EXCHANGE];
}
