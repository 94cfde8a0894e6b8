import type { Principal } from '../identity/principal.ts';

/**
 * The contract between the proxy and a migrated route's TypeScript implementation: a request in,
 * a response out, in-process. Handlers never touch node's req/res, so the proxy can run them on the
 * hot path, off it (shadow), or in dry-run (writes rolled back) with the same code.
 */
export interface HandlerRequest {
  readonly method: string;
  /** The path as routed (still percent-encoded, dot segments removed as Kestrel does), no query. */
  readonly path: string;
  /** Path template parameters, decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** Query parameters, decoded; repeated keys keep every value in order. */
  readonly query: URLSearchParams;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The whole request body (handlers serve small JSON APIs; the proxy caps what it buffers). */
  readonly body: Buffer;
  readonly requestId: string;
  /** Aborted when the client goes away or the handler's timeout passes. */
  readonly signal: AbortSignal;
  /** True when the proxy runs this handler as a shadow of a write: all database work must be rolled back. */
  readonly dryRun: boolean;
  /**
   * The verified caller, on every route that declares a policy (the proxy refused the request
   * otherwise, as legacy would have); undefined only on a route without one.
   */
  readonly principal: Principal | undefined;
}

export interface HandlerResponse {
  readonly status: number;
  /** Header names as they should appear on the wire; arrays for repeated headers (Set-Cookie). */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: Buffer | string;
}

export type NewHandler = (request: HandlerRequest) => Promise<HandlerResponse>;

/** Convenience for JSON responses that mimic ASP.NET Core's default `application/json; charset=utf-8`. */
export function jsonResponse(
  status: number,
  value: unknown,
  headers: Readonly<Record<string, string | readonly string[]>> = {},
): HandlerResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: Buffer.from(JSON.stringify(value), 'utf8'),
  };
}
