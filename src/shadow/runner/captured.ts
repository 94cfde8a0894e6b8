import type { OutgoingHttpHeaders } from 'node:http';
import type { CapturedBody, ObservedExchange } from '../../proxy/exchange-observer.ts';
import { pathOf, queryOf } from '../../routing/request-target.ts';
import type { CapturedHeaders, CapturedRequest } from '../captured-exchange.ts';

/** The bytes the proxy captured, empty for a body it left alone. */
export function bodyBytes(body: CapturedBody): Buffer {
  return body.kind === 'captured' ? body.bytes : Buffer.alloc(0);
}

/** The request as the shadow side replays it: upper-case method, path and query apart. */
export function capturedRequest(exchange: Pick<ObservedExchange, 'request' | 'requestId'>): CapturedRequest {
  const url = exchange.request.url;
  return {
    method: exchange.request.method.toUpperCase(),
    path: pathOf(url),
    query: queryOf(url),
    headers: exchange.request.headers,
    body: bodyBytes(exchange.request.body),
    requestId: exchange.requestId,
    ...(exchange.request.client === undefined ? {} : { client: exchange.request.client }),
  };
}

/** The served response's headers as compared: lower-case names, numbers as text. */
export function outgoingHeaders(headers: OutgoingHttpHeaders): CapturedHeaders {
  const out: Record<string, string | readonly string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    out[name.toLowerCase()] = typeof value === 'number' ? String(value) : value;
  }
  return out;
}
