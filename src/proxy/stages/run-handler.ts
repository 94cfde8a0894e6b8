import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { HandlerRequest, HandlerResponse } from '../../handlers/new-handler.ts';
import { pathOf, queryOf } from '../../routing/request-target.ts';
import type { RouteMatch } from '../../routing/route.ts';
import type { Exchange } from '../exchange.ts';

const DEFAULT_HANDLER_TIMEOUT_MS = 5000;

class HandlerTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`new handler did not answer within ${timeoutMs} ms`);
    this.name = 'HandlerTimeoutError';
  }
}

class ClientGoneError extends Error {
  constructor() {
    super('client closed the connection');
    this.name = 'ClientGoneError';
  }
}

/** What the new side produced, or why there is nothing to send. */
export type HandlerOutcome =
  | { readonly kind: 'response'; readonly response: HandlerResponse }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'client-gone' };

/**
 * Calls a route's new handler with the buffered request, under the route's handler timeout; a client
 * that leaves aborts it. A response node could not write counts as the handler's failure.
 */
export async function runHandler(
  req: IncomingMessage,
  res: ServerResponse,
  exchange: Exchange,
  match: RouteMatch,
  body: Buffer,
): Promise<HandlerOutcome> {
  const route = match.route;
  const timeoutMs = route.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS;
  const controller = new AbortController();
  const url = req.url ?? '/';
  const request: HandlerRequest = {
    method: req.method ?? 'GET',
    path: pathOf(url),
    params: match.params,
    query: new URLSearchParams(queryOf(url)),
    headers: { ...req.headers },
    body,
    requestId: exchange.requestId,
    signal: controller.signal,
    dryRun: false,
    principal: exchange.principal,
  };

  let timer: NodeJS.Timeout | undefined;
  let onClose: (() => void) | undefined;
  const stopped = new Promise<HandlerOutcome>((resolve) => {
    timer = setTimeout(() => {
      const error = new HandlerTimeoutError(timeoutMs);
      controller.abort(error);
      resolve({ kind: 'failed', error });
    }, timeoutMs);
    onClose = () => {
      if (res.writableFinished) return;
      controller.abort(new ClientGoneError());
      resolve({ kind: 'client-gone' });
    };
    res.once('close', onClose);
  });
  const ran = (async (): Promise<HandlerOutcome> => {
    try {
      const response = await route.handler(request);
      const problem = invalidResponse(response);
      return problem === undefined
        ? { kind: 'response', response }
        : { kind: 'failed', error: new Error(problem) };
    } catch (error: unknown) {
      return { kind: 'failed', error };
    }
  })();
  try {
    return await Promise.race([ran, stopped]);
  } finally {
    clearTimeout(timer);
    if (onClose !== undefined) res.removeListener('close', onClose);
  }
}

/** Writes a handler's response, with the request's id and a Content-Length where one belongs. */
export function writeHandlerResponse(
  res: ServerResponse,
  exchange: Exchange,
  response: HandlerResponse,
): void {
  const body = response.body === undefined ? undefined : response.body;
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  res.setHeader('x-request-id', exchange.requestId);
  if (
    body !== undefined &&
    !res.hasHeader('content-length') &&
    response.status !== 204 &&
    response.status !== 304
  ) {
    res.setHeader('content-length', Buffer.byteLength(body));
  }
  res.end(body);
}

/**
 * What node could not write, found before anything is sent: such a response is the handler's failure
 * (a safe method falls back to legacy, the circuit breaker counts it), not a 500 from writeHead.
 */
export function invalidResponse(response: unknown): string | undefined {
  if (typeof response !== 'object' || response === null) return 'handler returned no response';
  const { status, headers, body } = response as { status?: unknown; headers?: unknown; body?: unknown };
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
    return `handler returned an invalid status: ${String(status)}`;
  }
  if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) {
    return 'handler returned a body that is neither a string nor a Buffer';
  }
  if (headers === undefined) return undefined;
  if (typeof headers !== 'object' || headers === null)
    return 'handler returned headers that are not an object';
  for (const [name, value] of Object.entries(headers)) {
    try {
      http.validateHeaderName(name);
      for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
        if (typeof item !== 'string') throw new TypeError(`header ${name} is not a string`);
        http.validateHeaderValue(name, item);
      }
    } catch (error: unknown) {
      return `handler returned a header node cannot send: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return undefined;
}
