import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';

import type { Exchange } from '../exchange.ts';
import { forwardHeaders } from '../forward-headers.ts';
import { answerBodyTooLarge, declaresBodyOverLimit } from '../legacy-body-limit.ts';
import type { LegacyForwarder } from '../legacy-forwarder.ts';
import type { GateResult, UploadGate } from '../upload-gate.ts';
import { hasBody } from './read-body.ts';
import { injectTraceContext, SpanKind, startChildSpan } from '../../observability/tracing.ts';

/** Sends the request to legacy and streams its answer back. */
export type ServeLegacy = (req: IncomingMessage, res: ServerResponse, exchange: Exchange) => void;

export interface ServeLegacyOptions {
  readonly forwarder: Pick<LegacyForwarder, 'forward'>;
  /** Legacy's host when Host is rewritten (HOST_HEADER=rewrite), else undefined. */
  readonly rewriteHost: string | undefined;
  readonly legacyMaxBodyBytes: number;
  readonly gate: UploadGate;
  /** Bodies up to this size arrive in full before legacy is called; larger ones stream after it. */
  readonly bufferBytes: number;
}

/*
 * A connection to legacy is taken only once the body has arrived (up to `bufferBytes`; a larger one
 * once that much has): a client that sends its body slowly holds one of the proxy's sockets, not one
 * of legacy's. A request without a body goes straight on, with nothing allocated for it here.
 */
export function createServeLegacy(options: ServeLegacyOptions): ServeLegacy {
  const { forwarder, rewriteHost, legacyMaxBodyBytes, gate, bufferBytes } = options;
  const receiving = { limit: bufferBytes, refuseDeclaredOverLimit: false };
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
    // Only once legacy will be called: a body over its limit is answered here, with no legacy span.
    if (exchange.span !== undefined) traceLegacyCall(req, exchange);
    // The forwarder puts X-Request-Id on legacy's response (legacy's own, if it sends one, wins).
    if (exchange.legacyBody !== undefined || !hasBody(req)) {
      forwarder.forward(req, res);
      return;
    }
    const forwardReceived = (body: GateResult): void => {
      if (body.kind === 'complete') exchange.legacyBody = Readable.from([body.bytes], { objectMode: false });
      else if (body.kind === 'over-cap' && body.replay !== undefined) exchange.legacyBody = body.replay;
      else return;
      forwarder.forward(req, res);
    };
    gate
      .receive(req, res, exchange, { ...receiving, tee: exchange.onLegacyRequestBody })
      .then(forwardReceived, () => res.destroy());
  };
}

/*
 * The call to legacy is a client span under the request's, and legacy receives its traceparent
 * (W3C Trace Context): legacy's own spans then hang under the proxy's. The span ends with the
 * exchange (account.ts), when legacy's response has been streamed to the client.
 */
function traceLegacyCall(req: IncomingMessage, exchange: Exchange): void {
  exchange.legacySpan ??= startChildSpan(exchange.span, 'legacy', SpanKind.CLIENT);
  if (exchange.legacySpan !== undefined) injectTraceContext(exchange.legacySpan, req.headers);
}
