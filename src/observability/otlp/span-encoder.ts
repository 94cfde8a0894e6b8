import type { Link, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';

import { FIXED32, FIXED64, hexMemo, LEN, ProtoWriter, VARINT } from './proto-writer.ts';

type Resource = ReadableSpan['resource'];
type Scope = ReadableSpan['instrumentationScope'];

/** Span.flags: the W3C trace flags, and whether the parent came from another process. */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

/**
 * An OTLP ExportTraceServiceRequest in protobuf
 * (opentelemetry/proto/collector/trace/v1/trace_service.proto), field for field and byte for byte what
 * OpenTelemetry's own serializer writes, in one pass instead of its sizing pass and writing pass.
 */
export class SpanEncoder {
  private readonly writer = new ProtoWriter();
  /*
   * A request's spans reach the encoder side by side, its child first: the server span's trace id
   * and span id were written just before, as the child's trace id and parent span id, and copying
   * their bytes is cheaper than reading the hex digits again.
   */
  private readonly traceIds = hexMemo();
  private readonly spanIds = hexMemo();

  encode(spans: readonly ReadableSpan[]): Uint8Array {
    const w = this.writer;
    w.reset();
    for (const [resource, scopes] of grouped(spans)) {
      const resourceSpans = w.begin(1);
      const resourceField = w.begin(1);
      if (resource.attributes) w.attributes(1, resource.attributes);
      w.tag(2, VARINT);
      w.varint(0);
      w.end(resourceField);
      for (const [scope, scoped] of scopes) this.scopeSpans(scope, scoped);
      if (resource.schemaUrl) {
        w.tag(3, LEN);
        w.string(resource.schemaUrl);
      }
      w.end(resourceSpans);
    }
    return w.take();
  }

  private scopeSpans(scope: Scope, spans: readonly ReadableSpan[]): void {
    const w = this.writer;
    const scopeSpans = w.begin(2);
    const scopeField = w.begin(1);
    w.tag(1, LEN);
    w.string(scope.name);
    if (scope.version) {
      w.tag(2, LEN);
      w.string(scope.version);
    }
    const { attributes, droppedAttributesCount } = scope as Scope & {
      attributes?: ReadableSpan['attributes'];
      droppedAttributesCount?: number;
    };
    if (attributes) w.attributes(3, attributes);
    if (droppedAttributesCount) {
      w.tag(4, VARINT);
      w.varint(droppedAttributesCount);
    }
    w.end(scopeField);
    for (const span of spans) this.span(span);
    if (scope.schemaUrl) {
      w.tag(3, LEN);
      w.string(scope.schemaUrl);
    }
    w.end(scopeSpans);
  }

  private span(span: ReadableSpan): void {
    const w = this.writer;
    const start = w.begin(2);
    const context = span.spanContext();
    this.ids(context);
    const parent = span.parentSpanContext;
    if (parent?.spanId) {
      w.tag(4, LEN);
      w.hexBytes(parent.spanId, this.spanIds);
    }
    w.tag(5, LEN);
    w.string(span.name);
    w.tag(6, VARINT);
    w.varint(span.kind + 1);
    w.tag(7, FIXED64);
    w.hrTime(span.startTime);
    w.tag(8, FIXED64);
    w.hrTime(span.endTime);
    w.attributes(9, span.attributes);
    w.tag(10, VARINT);
    w.varint(span.droppedAttributesCount);
    for (const event of span.events) this.event(event);
    w.tag(12, VARINT);
    w.varint(span.droppedEventsCount);
    for (const link of span.links) this.link(link);
    w.tag(14, VARINT);
    w.varint(span.droppedLinksCount);
    const status = w.begin(15);
    if (span.status.message) {
      w.tag(2, LEN);
      w.string(span.status.message);
    }
    w.tag(3, VARINT);
    w.varint(span.status.code);
    w.end(status);
    w.tag(16, FIXED32);
    w.fixed32(flags(context.traceFlags, parent?.isRemote));
    w.end(start);
  }

  /** trace_id, span_id and trace_state: the first three fields of a Span and of a Link. */
  private ids(context: SpanContext): void {
    const w = this.writer;
    w.tag(1, LEN);
    w.hexBytes(context.traceId, this.traceIds);
    w.tag(2, LEN);
    w.hexBytes(context.spanId, this.spanIds);
    const traceState = context.traceState?.serialize();
    if (traceState) {
      w.tag(3, LEN);
      w.string(traceState);
    }
  }

  private event(event: TimedEvent): void {
    const w = this.writer;
    const start = w.begin(11);
    w.tag(1, FIXED64);
    w.hrTime(event.time);
    w.tag(2, LEN);
    w.string(event.name);
    if (event.attributes) w.attributes(3, event.attributes);
    w.tag(4, VARINT);
    w.varint(event.droppedAttributesCount ?? 0);
    w.end(start);
  }

  private link(link: Link): void {
    const w = this.writer;
    const start = w.begin(13);
    this.ids(link.context);
    if (link.attributes) w.attributes(4, link.attributes);
    w.tag(5, VARINT);
    w.varint(link.droppedAttributesCount ?? 0);
    w.tag(6, FIXED32);
    w.fixed32(flags(link.context.traceFlags, link.context.isRemote));
    w.end(start);
  }
}

function flags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote === true ? IS_REMOTE : 0);
}

/** Spans by resource, then by instrumentation scope, by identity (the SDK shares both objects). */
function grouped(spans: readonly ReadableSpan[]): Map<Resource, Map<Scope, ReadableSpan[]>> {
  const resources = new Map<Resource, Map<Scope, ReadableSpan[]>>();
  for (const span of spans) {
    let scopes = resources.get(span.resource);
    if (scopes === undefined) resources.set(span.resource, (scopes = new Map()));
    const scoped = scopes.get(span.instrumentationScope);
    if (scoped === undefined) scopes.set(span.instrumentationScope, [span]);
    else scoped.push(span);
  }
  return resources;
}
