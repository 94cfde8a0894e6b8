import type { IncomingMessage, ServerResponse } from 'node:http';

/*
 * RFC 9112 §3.2: a server answers 400 to a request with more than one Host or with one that is not a
 * valid authority, and legacy's Kestrel does (empty body, the connection closed). node refuses a missing
 * Host on HTTP/1.1 itself; without this check the other two would reach legacy, X-Forwarded-Host and a
 * new handler's Location header.
 */

// host [":" port], host being an IP-literal or a reg-name (RFC 3986 §3.2.2); empty is allowed.
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]*)(?::\d*)?$/;

export function hostRefused(req: IncomingMessage): boolean {
  const raw = req.rawHeaders;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') hosts += 1;
  }
  if (hosts > 1) return true;
  const host = req.headers.host;
  return host !== undefined && !AUTHORITY.test(host);
}

/** Kestrel's answer to a request it cannot frame: 400, no body, and no further request on the connection. */
export function sendBadRequest(res: ServerResponse): void {
  res.writeHead(400, { 'content-length': 0, connection: 'close' });
  res.end();
}
