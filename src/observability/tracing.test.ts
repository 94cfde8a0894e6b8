import { afterEach, describe, expect, it } from '@jest/globals';
import { createContextKey, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import type { TextMapPropagator } from '@opentelemetry/api';
import {
  CompositePropagator,
  TraceState,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';

import { enableTracing, injectTraceContext, SpanOnlyContext, startServerSpan } from './tracing.ts';

type Headers = Record<string, string | string[] | undefined>;

const SPANS = [
  { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED },
  { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE },
  {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    traceState: new TraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'),
  },
  { traceId: '00000000000000000000000000000000', spanId: '00f067aa0ba902b7', traceFlags: 1 },
].map((spanContext) => trace.wrapSpanContext(spanContext));

/** What the registered propagator itself writes for `span` over a client's own trace headers. */
function viaPropagator(span: (typeof SPANS)[number]): Headers {
  const headers: Headers = { traceparent: 'client', tracestate: 'client=1' };
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), headers);
  return headers;
}

function viaInject(span: (typeof SPANS)[number]): Headers {
  const headers: Headers = { traceparent: 'client', tracestate: 'client=1' };
  injectTraceContext(span, headers);
  return headers;
}

function register(propagator: TextMapPropagator): void {
  propagation.disable();
  propagation.setGlobalPropagator(propagator);
  enableTracing();
}

afterEach(() => propagation.disable());

describe('injectTraceContext', () => {
  it('writes what the SDK’s default propagators write, header for header', () => {
    register(
      new CompositePropagator({
        propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
      }),
    );
    for (const span of SPANS) expect(viaInject(span)).toEqual(viaPropagator(span));
    expect(viaInject(SPANS[0] as (typeof SPANS)[number]).traceparent).toBe(
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    );
  });

  it('leaves any other propagator to write its own headers', () => {
    const b3: TextMapPropagator = {
      inject: (ctx, carrier: Headers) => {
        carrier['x-b3-traceid'] = trace.getSpanContext(ctx)?.traceId;
      },
      extract: (ctx) => ctx,
      fields: () => ['x-b3-traceid'],
    };
    register(b3);
    const span = SPANS[0] as (typeof SPANS)[number];
    expect(viaInject(span)).toEqual({
      traceparent: 'client',
      tracestate: 'client=1',
      'x-b3-traceid': '4bf92f3577b34da6a3ce929d0e0e4736',
    });
  });
});

describe('SpanOnlyContext', () => {
  it('reads as trace.setSpan(ROOT_CONTEXT, span) does, through the API', () => {
    const span = SPANS[0] as (typeof SPANS)[number];
    const other = createContextKey('some other key');
    const light = new SpanOnlyContext(span);
    const api = trace.setSpan(ROOT_CONTEXT, span);
    expect(trace.getSpan(light)).toBe(trace.getSpan(api));
    expect(trace.getSpanContext(light)).toEqual(trace.getSpanContext(api));
    expect(light.getValue(other)).toBe(api.getValue(other));
    const extended = light.setValue(other, 42);
    expect([trace.getSpan(extended), extended.getValue(other)]).toEqual([span, 42]);
    expect(trace.getSpan(trace.deleteSpan(light))).toBeUndefined();
  });
});

describe('startServerSpan', () => {
  it('continues a client’s traceparent and starts a new trace without one (the API’s no-op tracer)', () => {
    register(
      new CompositePropagator({
        propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
      }),
    );
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    // The no-op tracer hands back its parent's context: what the propagators extracted.
    expect(startServerSpan({ traceparent }, 'GET')?.spanContext().traceId).toBe(
      '0af7651916cd43dd8448eb211c80319c',
    );
    expect(startServerSpan({ traceparent, baggage: 'k=v' }, 'GET')?.spanContext().spanId).toBe(
      'b7ad6b7169203331',
    );
    expect(trace.isSpanContextValid(startServerSpan({ host: 'x' }, 'GET')!.spanContext())).toBe(false);
    expect(trace.isSpanContextValid(startServerSpan({ baggage: 'k=v' }, 'GET')!.spanContext())).toBe(false);
  });
});
