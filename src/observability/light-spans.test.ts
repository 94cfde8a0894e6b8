import { describe, expect, it } from '@jest/globals';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { ReadableSpan, Sampler } from '@opentelemetry/sdk-trace';

import { createLightTracer } from './light-spans.ts';
import { randomIdGenerator } from './random-ids.ts';

const REMOTE_SAMPLED = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
});

/** An SDK provider and a light tracer sharing its sampler and processor, as tracing-sdk.ts sets them up. */
function setUp(sampler: Sampler = new AlwaysOnSampler()) {
  const exporter = new InMemorySpanExporter();
  const light = createLightTracer(sampler, new SimpleSpanProcessor({ exporter }), randomIdGenerator);
  const provider = new TracerProvider({
    sampler,
    spanProcessors: [light.processor],
    idGenerator: randomIdGenerator,
  });
  const sdk = provider.getTracer('strangler');
  // The SDK's first recorded span tells the light tracer the resource and scope.
  sdk.startSpan('first', {}, REMOTE_SAMPLED).end();
  exporter.reset();
  return { light, sdk, exported: (): ReadableSpan[] => exporter.getFinishedSpans() };
}

/** What an exporter reads of a span, ids and times aside. */
function shape(span: ReadableSpan) {
  return {
    name: span.name,
    kind: span.kind,
    attributes: span.attributes,
    status: span.status,
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
    links: span.links,
    ended: span.ended,
    flags: span.spanContext().traceFlags,
    hasParent: span.parentSpanContext !== undefined,
    resource: span.resource,
    scope: span.instrumentationScope,
    dropped: [span.droppedAttributesCount, span.droppedEventsCount, span.droppedLinksCount],
  };
}

/** The request's two spans, made the way the stages make them, through `start`. */
function request(
  start: (name: string, kind: SpanKind, parent: typeof ROOT_CONTEXT, attributes?: object) => unknown,
) {
  const server = start('GET', SpanKind.SERVER, ROOT_CONTEXT, { 'http.request.method': 'GET' }) as ReturnType<
    ReturnType<typeof trace.getTracer>['startSpan']
  >;
  server.updateName('GET /api/athletes');
  const legacy = start('legacy', SpanKind.CLIENT, trace.setSpan(ROOT_CONTEXT, server)) as typeof server;
  legacy.setAttribute('http.response.status_code', 502);
  legacy.setStatus({ code: SpanStatusCode.ERROR, message: 'bad gateway' });
  legacy.setAttribute('error.type', 'ECONNRESET');
  legacy.setAttribute('ignored', undefined);
  legacy.end();
  server.setAttributes({ 'strangler.route': 'athletes-list', 'strangler.mode': 'legacy' });
  server.setStatus({ code: SpanStatusCode.OK });
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'after OK: kept OK' });
  server.addEvent('retried', { attempt: 2 });
  server.end();
  server.end();
  return { server, legacy };
}

describe('light spans', () => {
  it('export what the SDK’s spans export for the same calls', () => {
    const { light, sdk, exported } = setUp();
    const viaSdk = request((name, kind, parent, attributes) =>
      sdk.startSpan(name, { kind, attributes: attributes as never }, parent),
    );
    const sdkSpans = exported().map(shape);
    const viaLight = request((name, kind, parent, attributes) =>
      light.startSpan(name, kind, attributes as never, parent),
    );
    const lightSpans = exported().slice(sdkSpans.length);
    expect(lightSpans.map(shape)).toEqual(sdkSpans);
    const [legacySpan, serverSpan] = lightSpans;
    expect(legacySpan?.parentSpanContext?.spanId).toBe(viaLight.server.spanContext().spanId);
    expect(legacySpan?.spanContext().traceId).toBe(serverSpan?.spanContext().traceId);
    expect(viaSdk.server.spanContext().traceId).not.toBe(viaLight.server.spanContext().traceId);
    for (const span of lightSpans) {
      expect(span.duration[0]).toBeGreaterThanOrEqual(0);
      expect(Math.abs(span.startTime[0] - Date.now() / 1000)).toBeLessThan(5);
    }
  });

  it('continue a remote parent and follow the sampler’s decision', () => {
    const { light, exported } = setUp(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) }));
    const unsampledRoot = light.startSpan('GET', SpanKind.SERVER, undefined, ROOT_CONTEXT);
    expect(unsampledRoot?.isRecording()).toBe(false);
    unsampledRoot?.end();
    const continued = light.startSpan('GET', SpanKind.SERVER, undefined, REMOTE_SAMPLED);
    continued?.end();
    expect(exported()).toHaveLength(1);
    expect(exported()[0]?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(exported()[0]?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
  });

  it('wait for the SDK’s first span before making any', () => {
    const sampler = new AlwaysOnSampler();
    const light = createLightTracer(
      sampler,
      new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() }),
      randomIdGenerator,
    );
    expect(light.startSpan('GET', SpanKind.SERVER, undefined, ROOT_CONTEXT)).toBeUndefined();
  });
});
