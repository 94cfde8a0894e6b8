import type { ModeDecision } from '../../../flags/flag-resolver.ts';
import type { CapturedBody, ObservedExchange, ObservedRequest } from '../../proxy/exchange-observer.ts';
import type { RouteRecord, Target } from '../../routing/route.ts';
import type { DroppedCount } from '../store/shadow-store.ts';

/**
 * What crosses from the proxy's thread to the shadow thread (shadow-thread.ts): observed requests and
 * exchanges with the route named by id (a route record holds its handler, a function, which cannot be
 * cloned; the shadow thread builds its own records from the same code) and every captured body copied
 * once into an ArrayBuffer of its own that is then transferred, not cloned again. A Buffer cut from
 * Node's shared pool would otherwise take the whole 8 KiB pool slab with it through the structured clone.
 */
export type WireBody =
  | { readonly kind: 'captured'; readonly bytes: Uint8Array }
  | { readonly kind: 'over-cap'; readonly bytes: number };

interface WireMatch {
  readonly routeId: string;
  readonly params: Readonly<Record<string, string>>;
  readonly decision: ModeDecision;
}

/** The observed request with its body as it crosses. */
type WireRequestPart = Omit<ObservedExchange['request'], 'body'> & { readonly body: WireBody };

export interface WireRequest extends WireMatch {
  readonly observationId: number;
  readonly requestId: string;
  readonly serving: Target;
  readonly request: WireRequestPart;
}

export interface WireExchange extends WireMatch {
  readonly observationId?: number;
  readonly requestId: string;
  readonly served: Target;
  readonly fellBack: boolean;
  readonly traceparent: string | undefined;
  readonly caller?: ObservedExchange['caller'];
  readonly request: WireRequestPart;
  readonly response: Omit<ObservedExchange['response'], 'body'> & { readonly body: WireBody };
  readonly durationMs: number;
}

/** Proxy thread → shadow thread. `killSwitch` carries the flag's state at the time of posting. */
export type ToShadowThread =
  | { readonly type: 'request'; readonly killSwitch: boolean; readonly request: WireRequest }
  | { readonly type: 'exchange'; readonly killSwitch: boolean; readonly exchange: WireExchange }
  | { readonly type: 'dropped'; readonly counts: readonly DroppedCount[] }
  | { readonly type: 'rules-changed'; readonly id: number }
  | { readonly type: 'idle'; readonly id: number }
  | { readonly type: 'close'; readonly id: number };

/** One recorded metric update, applied on the proxy's thread to the registry `/metrics` serves. */
export type MetricOp =
  | readonly ['comparison', Readonly<Record<string, string>>, number]
  | readonly ['dropped', Readonly<Record<string, string>>, number]
  | readonly ['latency', Readonly<Record<string, string>>, number]
  | readonly ['queue', number];

/** Shadow thread → proxy thread. */
export type FromShadowThread =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'metrics'; readonly ops: readonly MetricOp[] }
  | { readonly type: 'idle'; readonly id: number }
  | { readonly type: 'rules-changed'; readonly id: number }
  | { readonly type: 'closed'; readonly id: number };

/** The body's bytes in an ArrayBuffer of their own (pushed onto `transfer`), or the over-cap count. */
function toWireBody(body: CapturedBody, transfer: ArrayBuffer[]): WireBody {
  if (body.kind === 'over-cap') return body;
  const bytes = new Uint8Array(body.bytes.length);
  bytes.set(body.bytes);
  transfer.push(bytes.buffer);
  return { kind: 'captured', bytes };
}

function fromWireBody(body: WireBody): CapturedBody {
  if (body.kind === 'over-cap') return body;
  return {
    kind: 'captured',
    bytes: Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.length),
  };
}

/** The request as posted: a named copy of its fields, so nothing else on the object is cloned across. */
function requestPartToWire(request: ObservedExchange['request'], transfer: ArrayBuffer[]): WireRequestPart {
  return {
    method: request.method,
    url: request.url,
    headers: request.headers,
    body: toWireBody(request.body, transfer),
    ...(request.client === undefined ? {} : { client: request.client }),
  };
}

export function requestToWire(announced: ObservedRequest, transfer: ArrayBuffer[]): WireRequest {
  const { request } = announced;
  return {
    observationId: announced.observationId,
    requestId: announced.requestId,
    routeId: announced.match.route.id,
    params: announced.match.params,
    decision: announced.decision,
    serving: announced.serving,
    request: requestPartToWire(request, transfer),
  };
}

export function exchangeToWire(exchange: ObservedExchange, transfer: ArrayBuffer[]): WireExchange {
  const { request, response } = exchange;
  return {
    ...(exchange.observationId === undefined ? {} : { observationId: exchange.observationId }),
    requestId: exchange.requestId,
    routeId: exchange.match.route.id,
    params: exchange.match.params,
    decision: exchange.decision,
    served: exchange.served,
    fellBack: exchange.fellBack,
    traceparent: exchange.traceparent,
    ...(exchange.caller === undefined
      ? {}
      : { caller: { subject: exchange.caller.subject, organisationId: exchange.caller.organisationId } }),
    request: requestPartToWire(request, transfer),
    response: {
      status: response.status,
      headers: response.headers,
      body: toWireBody(response.body, transfer),
      complete: response.complete,
    },
    durationMs: exchange.durationMs,
  };
}

export function requestFromWire(wire: WireRequest, route: RouteRecord): ObservedRequest {
  return {
    observationId: wire.observationId,
    requestId: wire.requestId,
    match: { route, params: wire.params },
    decision: wire.decision,
    serving: wire.serving,
    request: { ...wire.request, body: fromWireBody(wire.request.body) },
  };
}

export function exchangeFromWire(wire: WireExchange, route: RouteRecord): ObservedExchange {
  return {
    ...(wire.observationId === undefined ? {} : { observationId: wire.observationId }),
    requestId: wire.requestId,
    match: { route, params: wire.params },
    decision: wire.decision,
    served: wire.served,
    fellBack: wire.fellBack,
    traceparent: wire.traceparent,
    ...(wire.caller === undefined ? {} : { caller: wire.caller }),
    request: { ...wire.request, body: fromWireBody(wire.request.body) },
    response: { ...wire.response, body: fromWireBody(wire.response.body) },
    durationMs: wire.durationMs,
  };
}
