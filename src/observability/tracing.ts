import {
  context,
  createContextKey,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';

import type { LightTracer } from './light-spans.ts';

export type { Span } from '@opentelemetry/api';
export { SpanKind } from '@opentelemetry/api';

/*
 * The spans strangler makes, by hand: auto-instrumentation patches modules as they load, which ESM
 * with type stripping does not allow everywhere, and would trace every socket and query of the hot
 * path. While no SDK is started (tracing-sdk.ts) `tracer` stays undefined and every function here
 * returns after one comparison, without touching the API's no-op tracer: nothing is allocated per
 * request.
 */
let tracer: Tracer | undefined;
/** The request's own spans (the server span and its children), when the SDK was started with one. */
let light: LightTracer | undefined;
/** The registered propagator writes W3C Trace Context (and Baggage) alone: the SDK's default. */
let w3cOnly = false;
const W3C_FIELDS: ReadonlySet<string> = new Set(['traceparent', 'tracestate', 'baggage']);

/** Called once the SDK is registered: from then on the functions below make real spans. */
export function enableTracing(lightTracer?: LightTracer): void {
  tracer = trace.getTracer('strangler');
  light = lightTracer;
  const fields = propagation.fields();
  w3cOnly = fields.includes('traceparent') && fields.every((field) => W3C_FIELDS.has(field));
}

export function tracingEnabled(): boolean {
  return tracer !== undefined;
}

type Carrier = Record<string, string | string[] | undefined>;

const getter = {
  keys: (carrier: Carrier): string[] => Object.keys(carrier),
  get: (carrier: Carrier, key: string): string | undefined => {
    const value = carrier[key];
    return Array.isArray(value) ? value[0] : value;
  },
};

/** The span of one request through the public port, continuing the client's W3C traceparent. */
export function startServerSpan(headers: Carrier, method: string): Span | undefined {
  if (tracer === undefined) return undefined;
  // Most requests carry no trace context; under the default propagators nothing is extracted then.
  const parent =
    w3cOnly && headers.traceparent === undefined && headers.baggage === undefined
      ? ROOT_CONTEXT
      : propagation.extract(ROOT_CONTEXT, headers, getter);
  const attributes = { 'http.request.method': method };
  return (
    light?.startSpan(method, SpanKind.SERVER, attributes, parent) ??
    tracer.startSpan(method, { kind: SpanKind.SERVER, attributes }, parent)
  );
}

/** A child of `parent`; undefined when there is no parent (tracing off, or an untraced caller). */
export function startChildSpan(
  parent: Span | undefined,
  name: string,
  kind: SpanKind,
  attributes?: Attributes,
): Span | undefined {
  if (tracer === undefined || parent === undefined) return undefined;
  const context = new SpanOnlyContext(parent);
  return (
    light?.startSpan(name, kind, attributes, context) ?? tracer.startSpan(name, { kind, attributes }, context)
  );
}

/** The API's key for a context's span (`createContextKey` is `Symbol.for` of this description). */
const SPAN_KEY = createContextKey('OpenTelemetry Context Key SPAN');

/**
 * What trace.setSpan(ROOT_CONTEXT, span) holds, for a child span's parent: the API's context copies a
 * Map and makes three closures for each one, ~0.5 µs of every traced request. tracing.test.ts holds
 * the two equal as the API reads them.
 */
export class SpanOnlyContext implements Context {
  readonly #span: Span;

  constructor(span: Span) {
    this.#span = span;
  }

  getValue(key: symbol): unknown {
    return key === SPAN_KEY ? this.#span : undefined;
  }

  setValue(key: symbol, value: unknown): Context {
    return trace.setSpan(ROOT_CONTEXT, this.#span).setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return key === SPAN_KEY ? ROOT_CONTEXT : this;
  }
}

/** A child of the active span (a query inside a handler or a batch); undefined outside any span. */
export function startSpanUnderActive(name: string, kind: SpanKind, attributes: Attributes): Span | undefined {
  if (tracer === undefined) return undefined;
  const active = context.active();
  if (trace.getSpan(active) === undefined) return undefined;
  return tracer.startSpan(name, { kind, attributes }, active);
}

/** Writes `span`'s traceparent (and tracestate) into outgoing headers, replacing the client's. */
export function injectTraceContext(span: Span, headers: Carrier): void {
  if (!w3cOnly) {
    propagation.inject(trace.setSpan(ROOT_CONTEXT, span), headers);
    return;
  }
  // What W3CTraceContextPropagator.inject writes, without a Context per call on the hot path; the
  // Baggage propagator has nothing to add to a context made from ROOT_CONTEXT.
  const spanContext = span.spanContext();
  if (light?.made(span) !== true && !isSpanContextValid(spanContext)) return;
  const { traceId, spanId, traceFlags, traceState } = spanContext;
  headers.traceparent = `00-${traceId}-${spanId}-0${Number(traceFlags || TraceFlags.NONE).toString(16)}`;
  if (traceState !== undefined) headers.tracestate = traceState.serialize();
}

/** `span` as a W3C traceparent string, to cross into another thread. */
export function traceparentOf(span: Span | undefined): string | undefined {
  if (span === undefined) return undefined;
  const carrier: Carrier = {};
  injectTraceContext(span, carrier);
  const value = carrier.traceparent;
  return typeof value === 'string' ? value : undefined;
}

/** Runs `work` with `span` as the active span, so spans started inside it (queries) are its children. */
export function runInSpan<T>(span: Span | undefined, work: () => T): T {
  if (span === undefined) return work();
  return context.with(trace.setSpan(context.active(), span), work);
}

/** Ends a span with an HTTP status: 5xx is an error (OpenTelemetry's HTTP conventions for servers). */
export function endHttpSpan(span: Span, status: number, errorType?: string): void {
  span.setAttribute('http.response.status_code', status);
  if (status >= 500 || errorType !== undefined) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.setAttribute('error.type', errorType ?? String(status));
  }
  span.end();
}

export function endSpanWithError(span: Span, error: unknown): void {
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
  span.setAttribute('error.type', error instanceof Error ? error.name : 'Error');
  span.end();
}

/**
 * Runs `work` in a new root span made active for it (a sync batch, a shadow comparison): such work
 * starts from a timer or a queue, not from the request that caused it, so at most it is linked to
 * that request (`linkTo`, a traceparent from traceparentOf). `startTime` (epoch ms) when the span
 * began before it was worth making: a batch is traced only once it turned out not to be empty.
 */
export async function inRootSpan<T>(
  name: string,
  options: { readonly attributes?: Attributes; readonly linkTo?: string; readonly startTime?: number },
  work: () => Promise<T>,
): Promise<T> {
  if (tracer === undefined) return work();
  const { attributes, linkTo, startTime } = options;
  const span = tracer.startSpan(name, { root: true, attributes, links: linksTo(linkTo), startTime });
  try {
    const result = await context.with(trace.setSpan(ROOT_CONTEXT, span), work);
    span.end();
    return result;
  } catch (error: unknown) {
    endSpanWithError(span, error);
    throw error;
  }
}

function linksTo(traceparent: string | undefined): { context: ReturnType<Span['spanContext']> }[] {
  if (traceparent === undefined) return [];
  const extracted: Context = propagation.extract(ROOT_CONTEXT, { traceparent }, getter);
  const linked = trace.getSpanContext(extracted);
  return linked === undefined ? [] : [{ context: linked }];
}

/** The active span's trace id, for a log line; undefined when tracing is off. */
export function traceIdOf(span: Span | undefined): string | undefined {
  return span?.spanContext().traceId;
}
