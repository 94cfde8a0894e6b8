import type { ServerResponse } from 'node:http';

/** RFC 9457 problem details, plus the request id so a client report can be found in the logs. */
export interface Problem {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly requestId: string;
}

const TYPES: Readonly<Record<number, string>> = {
  413: 'https://www.rfc-editor.org/rfc/rfc9110#name-413-content-too-large',
  500: 'https://www.rfc-editor.org/rfc/rfc9110#name-500-internal-server-error',
  502: 'https://www.rfc-editor.org/rfc/rfc9110#name-502-bad-gateway',
  504: 'https://www.rfc-editor.org/rfc/rfc9110#name-504-gateway-timeout',
};

export function problemBody(problem: Problem): string {
  return JSON.stringify({
    type: TYPES[problem.status] ?? 'about:blank',
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    requestId: problem.requestId,
  });
}

/**
 * Writes the problem when nothing of the response has gone out yet; otherwise the client already has
 * a status line from someone else, and the only honest signal left is a broken connection.
 */
export function sendProblem(res: ServerResponse, problem: Problem): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = problemBody(problem);
  // Headers legacy had already sent into `res` (none, by construction) are dropped with the rest.
  for (const name of res.getHeaderNames()) if (name !== 'x-request-id') res.removeHeader(name);
  res.writeHead(problem.status, {
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-request-id': problem.requestId,
  });
  res.end(body);
}
