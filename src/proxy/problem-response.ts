import type { ServerResponse } from 'node:http';

/** RFC 9457 problem details; every error either port writes itself has this shape. */
export interface Problem {
  readonly status: number;
  readonly title: string;
  readonly detail?: string;
  /** What the status means; `about:blank` when absent, as RFC 9457 §4.2.1 allows. */
  readonly type?: string;
  /** The proxy's request id, so a client report can be found in the logs. */
  readonly requestId?: string;
}

const GATEWAY_TYPES: Readonly<Record<number, string>> = {
  413: 'https://www.rfc-editor.org/rfc/rfc9110#name-413-content-too-large',
  429: 'https://www.rfc-editor.org/rfc/rfc6585#section-4',
  500: 'https://www.rfc-editor.org/rfc/rfc9110#name-500-internal-server-error',
  502: 'https://www.rfc-editor.org/rfc/rfc9110#name-502-bad-gateway',
  503: 'https://www.rfc-editor.org/rfc/rfc9110#name-503-service-unavailable',
  504: 'https://www.rfc-editor.org/rfc/rfc9110#name-504-gateway-timeout',
};

export function problemBody(problem: Problem): string {
  return JSON.stringify({
    type: problem.type ?? 'about:blank',
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    requestId: problem.requestId,
  });
}

/**
 * Writes the problem when nothing of the response has gone out yet; otherwise the client already has
 * a status line from someone else, and the only honest signal left is a broken connection. Headers set
 * on `res` before (an admin 401's WWW-Authenticate) go out with it.
 */
export function sendProblem(res: ServerResponse, problem: Problem): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = problemBody(problem);
  res.writeHead(problem.status, {
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(problem.requestId === undefined ? {} : { 'x-request-id': problem.requestId }),
  });
  res.end(body);
}

/** The public port's problem typed by its status, for the answers that stand in for legacy's. */
export function gatewayProblem(problem: Problem & { readonly requestId: string }): Problem {
  return { ...problem, type: problem.type ?? GATEWAY_TYPES[problem.status] };
}

/**
 * The public port's answer in place of a handler's or legacy's: what either set on `res` before it
 * failed is not part of the problem, so only the request id survives.
 */
export function sendGatewayProblem(
  res: ServerResponse,
  problem: Problem & { readonly requestId: string },
  headers: Readonly<Record<string, string>> = {},
): void {
  if (!res.headersSent) {
    for (const name of res.getHeaderNames()) if (name !== 'x-request-id') res.removeHeader(name);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  }
  sendProblem(res, gatewayProblem(problem));
}

/** Retry-After when the breaker is not open: its probe is in flight, or it has not opened yet. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

/**
 * The public port's 503 for a write the new side cannot take now, with Retry-After (RFC 9110 §10.2.3)
 * in whole seconds, rounded up, until `retryAfterMs` has passed.
 */
export function sendUnavailable(res: ServerResponse, requestId: string, retryAfterMs: number): void {
  const seconds = retryAfterMs > 0 ? Math.ceil(retryAfterMs / 1000) : DEFAULT_RETRY_AFTER_SECONDS;
  sendGatewayProblem(
    res,
    {
      status: 503,
      title: 'Service Unavailable',
      detail: 'The request cannot be taken right now.',
      requestId,
    },
    { 'retry-after': String(seconds) },
  );
}

/** The public port's 500, worded the same whatever failed on our side, so nothing internal reaches the client. */
export function sendInternalError(res: ServerResponse, requestId: string): void {
  sendGatewayProblem(res, {
    status: 500,
    title: 'Internal Server Error',
    detail: 'The request could not be completed.',
    requestId,
  });
}
