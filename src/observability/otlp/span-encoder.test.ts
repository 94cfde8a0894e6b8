import { describe, expect, it } from '@jest/globals';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import type { Attributes, Span } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

import { SpanEncoder } from './span-encoder.ts';

/*
 * The encoder must write exactly what OpenTelemetry's own protobuf serializer writes for the same
 * spans: every collector already reads that. Spans come from the real SDK, with every field a span can
 * carry and every kind of attribute value.
 */

function recorder(resource: Attributes): {
  tracer: ReturnType<TracerProvider['getTracer']>;
  spans(): ReadableSpan[];
} {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  return { tracer: provider.getTracer('strangler', '1.2.3'), spans: () => exporter.getFinishedSpans() };
}

const everyValue: Attributes = {
  'a.string': 'catch-all',
  'a.non_ascii': 'Zoë — 健康 🏃',
  'a.long': 'x'.repeat(300),
  'a.true': true,
  'a.false': false,
  'a.zero': 0,
  'a.int': 200,
  'a.negative': -42,
  'a.big': 2 ** 40 + 7,
  'a.double': 3.25,
  'a.strings': ['GET', 'PUT', 'é'],
  'a.numbers': [1, -1, 1.5],
  'a.booleans': [true, false],
  'a.empty': [],
};

function remoteParent(traceState?: string): ReturnType<typeof trace.setSpanContext> {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    ...(traceState === undefined ? {} : { traceState: new TraceState(traceState) }),
  });
}

function catchAllRequest(tracer: ReturnType<TracerProvider['getTracer']>, parent = ROOT_CONTEXT): void {
  const server = tracer.startSpan(
    'GET',
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET' } },
    parent,
  );
  const legacy = tracer.startSpan('legacy', { kind: SpanKind.CLIENT }, trace.setSpan(ROOT_CONTEXT, server));
  legacy.setAttribute('http.response.status_code', 200);
  legacy.end();
  server.setAttributes({
    'strangler.route': 'catch-all',
    'strangler.mode': 'legacy',
    'http.response.status_code': 200,
  });
  server.end();
}

function expectSameBytes(spans: ReadableSpan[]): void {
  const ours = Buffer.from(new SpanEncoder().encode(spans));
  const sdk = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) ?? new Uint8Array());
  expect(ours.length).toBe(sdk.length);
  expect(ours.equals(sdk)).toBe(true);
}

describe('SpanEncoder writes the bytes of OpenTelemetry’s protobuf serializer', () => {
  it('for a catch-all request’s two spans, with and without a client traceparent and tracestate', () => {
    const { tracer, spans } = recorder({ 'service.name': 'strangler' });
    catchAllRequest(tracer);
    catchAllRequest(tracer, remoteParent());
    catchAllRequest(tracer, remoteParent('vendor=abc,other=1'));
    expectSameBytes(spans());
  });

  it('for every attribute value, events, links, an error status and every span kind', () => {
    const { tracer, spans } = recorder({
      'service.name': 'strangler',
      'process.command_args': ['node', 'main.ts'],
    });
    const linked: Span = tracer.startSpan('request', { kind: SpanKind.SERVER }, remoteParent('k=v'));
    const kinds = [SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER];
    for (const kind of kinds) {
      const span = tracer.startSpan(`kind ${kind}`, {
        kind,
        root: true,
        attributes: everyValue,
        links: [
          { context: linked.spanContext(), attributes: { 'link.why': 'shadow' } },
          { context: linked.spanContext() },
        ],
      });
      span.addEvent('exception', { 'exception.message': 'boom ✗' });
      span.addEvent('plain');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'legacy timed out — 504' });
      span.end();
    }
    const ok = tracer.startSpan('ok');
    ok.setStatus({ code: SpanStatusCode.OK });
    ok.end();
    linked.end();
    expectSameBytes(spans());
  });

  it('for a batch from two resources and scopes, long enough to need multi-byte lengths', () => {
    const first = recorder({ 'service.name': 'strangler', 'service.instance.id': 'a' });
    const second = recorder({ 'service.name': 'strangler-sync', 'a.kv': 1 });
    for (let i = 0; i < 600; i += 1) catchAllRequest(i % 3 === 0 ? second.tracer : first.tracer);
    const mixed = [...first.spans(), ...second.spans()].sort((a, b) => a.startTime[1] - b.startTime[1]);
    expectSameBytes(mixed);
  });

  it('for the same spans twice in a row (the buffer is reused between batches)', () => {
    const { tracer, spans } = recorder({ 'service.name': 'strangler' });
    for (let i = 0; i < 400; i += 1) catchAllRequest(tracer);
    const encoder = new SpanEncoder();
    const first = Buffer.from(encoder.encode(spans()));
    const small = Buffer.from(encoder.encode(spans().slice(0, 2)));
    expect(first.equals(Buffer.from(encoder.encode(spans())))).toBe(true);
    expect(
      small.equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans().slice(0, 2)) ?? [])),
    ).toBe(true);
  });
});
