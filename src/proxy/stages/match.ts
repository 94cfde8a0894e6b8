import type { IncomingMessage } from 'node:http';

import type { Logger } from '../../observability/logger.ts';
import { errorDetails } from '../../observability/logger.ts';
import { maskPathSegments, redactedSegmentsOf } from '../../routing/redact-path.ts';
import type { RouteMatch, RouteTable } from '../../routing/route.ts';
import { normaliseTarget } from '../../routing/normalise-target.ts';
import { pathOf } from '../../routing/request-target.ts';
import { attachExchange, CATCH_ALL } from '../exchange.ts';
import type { Exchange } from '../exchange.ts';
import { requestIdFrom } from '../forward-headers.ts';
import { hasFragment } from './framing.ts';
import { startServerSpan } from '../../observability/tracing.ts';
import type { Span } from '../../observability/tracing.ts';

export interface Matched {
  readonly method: string;
  /** Undefined: no route claims the request, legacy serves it (the catch-all). */
  readonly match: RouteMatch | undefined;
  /** A request target Kestrel would refuse (400): it reaches neither side. */
  readonly badTarget: boolean;
  readonly exchange: Exchange;
}

/**
 * The first stage: finds the request's route and opens its Exchange, the record every later stage
 * reads and writes (attached to the request for the forwarder's plugins).
 */
export function createMatch(
  routes: RouteTable,
  legacyTimeoutMs: number,
  logger: Logger,
): (req: IncomingMessage) => Matched {
  return (req) => {
    // A target with a fragment is no route's: legacy keeps it in the path and answers it (framing.ts).
    const fragment = hasFragment(req.url);
    if (req.url !== undefined && req.url.charCodeAt(0) !== SLASH) toOriginForm(req);
    const method = req.method ?? 'GET';
    const target = normaliseTarget(req.url ?? '/');
    // Routed and forwarded as one: legacy gets the path the route table read.
    if (target !== undefined && target !== req.url) req.url = target;
    const rawPath = pathOf(req.url ?? '/');
    const requestId = requestIdFrom(req.headers);

    let match: RouteMatch | undefined;
    try {
      if (target !== undefined && !fragment) match = routes.match(method, rawPath);
    } catch (error: unknown) {
      logger.error('route matching failed, serving legacy', {
        requestId,
        path: rawPath,
        error: errorDetails(error),
      });
    }
    const exchange = openExchange(requestId, rawPath, match?.route.legacyTimeoutMs ?? legacyTimeoutMs, match);
    exchange.span = startServerSpan(req.headers, method);
    if (exchange.span !== undefined && match !== undefined) nameServerSpan(exchange.span, method, match);
    attachExchange(req, exchange);
    return { method, match, badTarget: target === undefined, exchange };
  };
}

/** An exchange before any stage has decided anything: legacy, for the route or the catch-all. */
export function openExchange(
  requestId: string,
  rawPath: string,
  legacyTimeoutMs: number,
  match?: RouteMatch,
): Exchange {
  return {
    requestId,
    route: match === undefined ? CATCH_ALL : match.route.id,
    loggedPath: match === undefined ? rawPath : maskPathSegments(rawPath, redactedSegmentsOf(match.route)),
    mode: 'legacy',
    target: 'legacy',
    principal: undefined,
    legacyTimeoutMs,
    legacyBody: undefined,
    reusedConnection: false,
    retried: false,
    upstreamError: undefined,
    span: undefined,
    legacySpan: undefined,
    onLegacyRequestBody: undefined,
    onLegacyResponse: undefined,
    onResponseClose: undefined,
  };
}

const SLASH = 0x2f;

/** A routed request's span is named by its template, never by the path with its ids (OpenTelemetry HTTP conventions). */
function nameServerSpan(span: Span, method: string, match: RouteMatch): void {
  span.updateName(`${method} ${match.route.path}`);
  span.setAttribute('http.route', match.route.path);
}

/**
 * A request target in absolute form (`GET http://api.example/athletes`, RFC 9112 §3.2.2), which a server
 * must accept: routed and forwarded by its path, with the target's authority as Host (the received Host
 * is ignored, as the RFC says). Anything else that is not origin form (`OPTIONS *`) is left as sent.
 */
function toOriginForm(req: IncomingMessage): void {
  const match = /^https?:\/\/([^/?#]*)/i.exec(req.url ?? '');
  if (match === null) return;
  const rest = (req.url ?? '').slice(match[0].length);
  req.url = rest.startsWith('/') ? rest : `/${rest}`;
  const authority = match[1]?.replace(/^[^@]*@/, '') ?? '';
  if (authority !== '') req.headers.host = authority;
}
