import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';

import type { Exchange } from '../exchange.ts';
import { forwardHeaders } from '../forward-headers.ts';
import { answerBodyTooLarge, declaresBodyOverLimit } from '../legacy-body-limit.ts';
import type { LegacyForwarder } from '../legacy-forwarder.ts';

/** Sends the request to legacy and streams its answer back. */
export type ServeLegacy = (req: IncomingMessage, res: ServerResponse, exchange: Exchange) => void;

export function createServeLegacy(options: {
  readonly forwarder: Pick<LegacyForwarder, 'forward'>;
  /** Legacy's host when Host is rewritten (HOST_HEADER=rewrite), else undefined. */
  readonly rewriteHost: string | undefined;
  readonly legacyMaxBodyBytes: number;
}): ServeLegacy {
  const { forwarder, rewriteHost, legacyMaxBodyBytes } = options;
  return (req, res, exchange) => {
    // Node keeps the parsed headers behind a settable property; httpxy copies them from there.
    req.headers = forwardHeaders(req.headers, {
      remoteAddress: req.socket.remoteAddress,
      encrypted: (req.socket as Partial<TLSSocket>).encrypted === true,
      requestId: exchange.requestId,
      rewriteHost,
    });
    exchange.target = 'legacy';
    if (declaresBodyOverLimit(req, legacyMaxBodyBytes)) {
      answerBodyTooLarge(res);
      return;
    }
    // The forwarder puts X-Request-Id on legacy's response (legacy's own, if it sends one, wins).
    forwarder.forward(req, res);
  };
}
