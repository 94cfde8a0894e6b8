import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/*
 * What the public port answers itself, before anything reaches legacy or a handler, because the request
 * cannot be framed or forwarded as sent (RFC 9112). Each answer is the one legacy's Kestrel gives (empty
 * body), except a transfer coding other than chunked: see transferCodingRefused.
 */

// host [":" port], host being an IP-literal or a reg-name (RFC 3986 §3.2.2); empty is allowed.
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]*)(?::\d*)?$/;

interface Refusal {
  readonly status: 400 | 404 | 405 | 501;
  readonly allow?: string;
  /** Whether the connection closes after the answer (no further request is read from it). */
  readonly close: boolean;
}

const BAD_REQUEST: Refusal = { status: 400, close: true };

/**
 * Answers a request RFC 9112 refuses and returns true, or returns false for one to serve.
 * @param target the request target as received (the match stage rewrites the absolute form).
 */
export function refuseFraming(req: IncomingMessage, target: string, res: ServerResponse): boolean {
  const refusal = hostRefused(req)
    ? BAD_REQUEST
    : (targetRefused(req.method ?? 'GET', target) ?? transferCodingRefused(req));
  if (refusal === undefined) return false;
  answer(res, refusal);
  return true;
}

/** Kestrel's answer to a request it cannot read (a path it refuses, too): 400, empty, connection closed. */
export function sendBadRequest(res: ServerResponse): void {
  answer(res, BAD_REQUEST);
}

function answer(res: ServerResponse, refusal: Refusal): void {
  res.writeHead(refusal.status, {
    'content-length': 0,
    ...(refusal.allow === undefined ? {} : { allow: refusal.allow }),
    ...(refusal.close ? { connection: 'close' } : {}),
  });
  res.end();
}

/**
 * RFC 9112 §3.2: a server answers 400 to a request with more than one Host or with one that is not a
 * valid authority, and Kestrel does. node refuses a missing Host on HTTP/1.1 itself; without this check
 * the other two would reach legacy, X-Forwarded-Host and a new handler's Location header.
 */
function hostRefused(req: IncomingMessage): boolean {
  const raw = req.rawHeaders;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) if (isHostName(raw[i]!)) hosts += 1;
  if (hosts > 1) return true;
  const host = req.headers.host;
  if (host === undefined || host === lastValidHost) return false;
  if (!AUTHORITY.test(host)) return true;
  lastValidHost = host;
  return false;
}

/** Nearly every request names the same host as the one before it: it is checked once. */
let lastValidHost = '';

/** `Host` in any case, without the string toLowerCase would make. */
function isHostName(name: string): boolean {
  return (
    name.length === 4 &&
    (name.charCodeAt(0) | 0x20) === 0x68 &&
    (name.charCodeAt(1) | 0x20) === 0x6f &&
    (name.charCodeAt(2) | 0x20) === 0x73 &&
    (name.charCodeAt(3) | 0x20) === 0x74
  );
}

/**
 * A request target not in origin form (RFC 9112 §3.2), answered as Kestrel answers it: `OPTIONS *` 404
 * (its routing finds nothing), `*` with another method 405, an absolute form other than http(s) or with
 * a fragment 400. An http(s) absolute form without a fragment is served by its path (stages/match.ts).
 * node's parser refuses the authority form (`GET host:443`) and other shapes itself, with 400.
 */
function targetRefused(method: string, target: string): Refusal | undefined {
  if (target.charCodeAt(0) === SLASH) return undefined;
  if (target === '*') {
    return method === 'OPTIONS'
      ? { status: 404, close: false }
      : { status: 405, allow: 'OPTIONS', close: true };
  }
  if (/^https?:\/\//i.test(target) && !target.includes('#')) return undefined;
  return BAD_REQUEST;
}

const SLASH = 0x2f;

/**
 * RFC 9112 §6.1: a transfer coding the server does not understand gets 501; Kestrel ignores the codings
 * before chunked. Forwarded without them, the body would change meaning (its gzip bytes taken as the
 * content), so such a request is refused; `identity`, which changes nothing, is let through as Kestrel
 * does. A last coding other than chunked cannot be framed (§6.3): node dispatches the request and then
 * fails its parse with 400, as Kestrel answers; it is answered 400 here before anything is forwarded.
 */
function transferCodingRefused(req: IncomingMessage): Refusal | undefined {
  const header = req.headers['transfer-encoding'];
  if (header === undefined) return undefined;
  const codings = header.split(',').map((coding) => (coding.split(';')[0] ?? '').trim().toLowerCase());
  if (codings.at(-1) !== 'chunked') return BAD_REQUEST;
  return codings.every((name) => name === 'chunked' || name === 'identity')
    ? undefined
    : { status: 501, close: true };
}

/**
 * A fragment is never sent in a request target (RFC 9110 §7.1); Kestrel keeps one in the path, where no
 * route of legacy matches it. Such a target is matched to no route, so legacy gives its own answer.
 */
export function hasFragment(target: string | undefined): boolean {
  return target !== undefined && target.includes('#');
}

/**
 * CONNECT: Kestrel's routing finds nothing and answers 404. node stops parsing HTTP on the connection
 * after a CONNECT, so the connection closes after the answer (Kestrel would read the next request).
 */
export function answerConnect(socket: Duplex): void {
  // node hands the socket over without its error listener; a reset must not become an uncaught error.
  socket.on('error', () => socket.destroy());
  socket.end(
    `HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nDate: ${new Date().toUTCString()}\r\nConnection: close\r\n\r\n`,
  );
}
