import type { ClientConnection } from '../proxy/exchange-observer.ts';
/** Header values as node delivers them: lower-cased names, arrays for repeated headers. */
export type CapturedHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** One side's response as kept for comparison (the body up to the route's capture limit). */
export interface CapturedResponse {
  readonly status: number;
  readonly headers: CapturedHeaders;
  readonly body: Buffer;
  /** The body was longer than the capture limit; `body` holds only its start. */
  readonly truncated?: boolean;
}

/** The client's request as kept for replay to the other side and for samples. */
export interface CapturedRequest {
  readonly method: string;
  /** Raw path (percent-encoded), without the query string. */
  readonly path: string;
  /** Raw query string without `?`, '' when none. */
  readonly query: string;
  readonly headers: CapturedHeaders;
  readonly body: Buffer;
  readonly truncated?: boolean;
  readonly requestId: string;
  /** The client's connection, for the X-Forwarded-* of a shadow call to legacy. */
  readonly client?: ClientConnection;
}
