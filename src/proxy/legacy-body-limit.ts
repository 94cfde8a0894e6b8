import type { IncomingMessage, ServerResponse } from 'node:http';

import { lingerOnClose } from './lingering-close.ts';
import { declaredBodyLength } from './stages/read-body.ts';

/** Kestrel's default MaxRequestBodySize (IIS's default maxAllowedContentLength is the same). */
export const KESTREL_MAX_REQUEST_BODY_BYTES = 30_000_000;

/**
 * Kestrel refuses a request whose declared body is over its limit with an empty 413 and closes the
 * connection without reading the body. Forwarded, that 413 never reaches the client: legacy closes
 * while the proxy is still sending, the reset discards legacy's answer, and the client would get a 502.
 * So such a request is answered here, as Kestrel answers it, and legacy never sees it. A chunked body
 * has no declared length and is left to legacy.
 */
export function declaresBodyOverLimit(req: IncomingMessage, limitBytes: number): boolean {
  if (limitBytes <= 0) return false;
  const declared = declaredBodyLength(req);
  return declared !== undefined && declared > limitBytes;
}

export function answerBodyTooLarge(res: ServerResponse): void {
  lingerOnClose(res);
  res.shouldKeepAlive = false;
  res.writeHead(413, { 'content-length': '0', connection: 'close' });
  res.end();
}

/**
 * Kestrel's answer to a body that arrives slower than MinRequestBodyDataRate (240 bytes/s after 5 s)
 * or not at all: an empty 408 and the connection closed (measured on the ASP.NET legacy).
 */
export function answerBodyTimeout(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.shouldKeepAlive = false;
  res.writeHead(408, { 'content-length': '0', connection: 'close' });
  res.end();
}
