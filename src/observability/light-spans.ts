import {
  INVALID_SPAN_CONTEXT,
  SpanStatusCode,
  TraceFlags,
  isSpanContextValid,
  trace,
} from '@opentelemetry/api';
import type {
  Attributes,
  AttributeValue,
  Context,
  Exception,
  HrTime,
  Link,
  Span,
  SpanContext,
  SpanKind,
  SpanStatus,
  TimeInput,
} from '@opentelemetry/api';
import { hrTimeDuration, isTracingSuppressed, millisToHrTime, timeInputToHrTime } from '@opentelemetry/core';
import { SamplingDecision } from '@opentelemetry/sdk-trace';
import type { IdGenerator, ReadableSpan, Sampler, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace';

/*
 * The spans every traced request makes (the server span and the call to legacy), without the SDK's
 * span object: on the bench, creating, timing and ending two SDK spans cost ~6 µs of a request's CPU,
 * more than everything else tracing does. These spans go through the SDK's own sampler, span processor
 * (batching, export), id generator, resource and scope, so nothing downstream can tell them apart from
 * the SDK's; what they leave out is what the hot path never needs: span limits (tracing-sdk.ts uses
 * them only while no limit is configured) and the SDK's self-metrics. Every other span (queries,
 * batches, comparisons) is the SDK's.
 */

/** Where a span goes, and the SDK's resource and scope as its first recorded span carries them. */
interface Parts {
  readonly processor: SpanProcessor;
  readonly resource: ReadableSpan['resource'];
  readonly scope: ReadableSpan['instrumentationScope'];
}

export interface LightTracer {
  /** The span processor to start the SDK with: `processor`, learning the resource and scope. */
  readonly processor: SpanProcessor;
  /** A span, or undefined until the SDK has recorded a span of its own (the caller then uses the SDK). */
  startSpan(
    name: string,
    kind: SpanKind,
    attributes: Attributes | undefined,
    parent: Context,
  ): Span | undefined;
  /** Whether `span` is one of these: its ids are valid by construction, no check needed. */
  made(span: Span): boolean;
}

/** Spans decided by `sampler` (the SDK's), handed to `processor` (the SDK's batch processor). */
export function createLightTracer(sampler: Sampler, processor: SpanProcessor, ids: IdGenerator): LightTracer {
  let parts: Parts | undefined;
  const learning: SpanProcessor = {
    onStart(span, context) {
      parts ??= { processor, resource: span.resource, scope: span.instrumentationScope };
      processor.onStart(span, context);
    },
    onEnd: (span) => processor.onEnd(span),
    forceFlush: () => processor.forceFlush(),
    shutdown: () => processor.shutdown(),
  };
  return {
    processor: learning,
    startSpan(name, kind, attributes, parent) {
      if (parts === undefined) return undefined;
      if (isTracingSuppressed(parent)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
      const parentSpan = trace.getSpan(parent);
      const parentSpanContext = parentSpan?.spanContext();
      // A light span's context is valid by construction; a remote one is checked as the SDK does.
      const valid =
        parentSpanContext !== undefined &&
        (parentSpan instanceof LightSpan || isSpanContextValid(parentSpanContext));
      const traceId = valid ? parentSpanContext.traceId : ids.generateTraceId();
      const initial: Attributes = { ...attributes };
      const sampled = sampler.shouldSample(parent, traceId, name, kind, initial, NO_LINKS);
      const spanContext: SpanContext = {
        traceId,
        spanId: ids.generateSpanId(),
        traceFlags:
          sampled.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
        traceState: sampled.traceState ?? (valid ? parentSpanContext.traceState : undefined),
      };
      if (sampled.decision === SamplingDecision.NOT_RECORD) return trace.wrapSpanContext(spanContext);
      if (sampled.attributes !== undefined) Object.assign(initial, sampled.attributes);
      const span = new LightSpan(
        name,
        kind,
        spanContext,
        valid ? parentSpanContext : undefined,
        initial,
        parts,
      );
      processor.onStart(span, parent);
      return span;
    },
    made: (span) => span instanceof LightSpan,
  };
}

/*
 * What a span holds until something is added or it ends, shared: most of these spans never get an
 * event, a link or a status, and each of them would be one more allocation per request. None of
 * them is ever written to; a span gets its own array or object when it needs one.
 */
const NO_LINKS: Link[] = Object.freeze([]) as unknown as Link[];
const NO_EVENTS: TimedEvent[] = Object.freeze([]) as unknown as TimedEvent[];
const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
const NOT_ENDED: HrTime = Object.freeze([0, 0]) as unknown as HrTime;
const NO_DURATION: HrTime = Object.freeze([-1, -1]) as unknown as HrTime;

class LightSpan implements Span, ReadableSpan {
  name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly attributes: Attributes;
  links: Link[] = NO_LINKS;
  events: TimedEvent[] = NO_EVENTS;
  status: SpanStatus = UNSET;
  /** As the SDK has it: the wall clock in milliseconds, then the monotonic clock's duration added. */
  readonly startTime: HrTime;
  endTime: HrTime = NOT_ENDED;
  ended = false;
  readonly resource: ReadableSpan['resource'];
  readonly instrumentationScope: ReadableSpan['instrumentationScope'];
  readonly droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  readonly #spanContext: SpanContext;
  readonly #processor: SpanProcessor;
  readonly #startedAt = performance.now();

  constructor(
    name: string,
    kind: SpanKind,
    spanContext: SpanContext,
    parentSpanContext: SpanContext | undefined,
    attributes: Attributes,
    parts: Parts,
  ) {
    this.name = name;
    this.kind = kind;
    this.#spanContext = spanContext;
    this.parentSpanContext = parentSpanContext;
    this.attributes = attributes;
    this.startTime = millisToHrTime(Date.now());
    this.resource = parts.resource;
    this.instrumentationScope = parts.scope;
    this.#processor = parts.processor;
  }

  spanContext(): SpanContext {
    return this.#spanContext;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (!this.ended && key !== '' && value !== undefined && value !== null) this.attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key of Object.keys(attributes)) this.setAttribute(key, attributes[key]);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    const timeGiven = isTime(attributesOrTime);
    const at = timeGiven ? attributesOrTime : time;
    if (this.events === NO_EVENTS) this.events = [];
    this.events.push({
      name,
      attributes: timeGiven ? {} : (attributesOrTime ?? {}),
      time: at === undefined ? this.#now() : timeInputToHrTime(at),
      droppedAttributesCount: 0,
    });
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this;
    if (this.links === NO_LINKS) this.links = [];
    this.links.push(link);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    // The SDK's rules: UNSET changes nothing, OK is final, a message belongs to an error only.
    if (this.ended || status.code === SpanStatusCode.UNSET || this.status.code === SpanStatusCode.OK)
      return this;
    this.status =
      status.code === SpanStatusCode.ERROR && typeof status.message === 'string'
        ? { code: status.code, message: status.message }
        : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  /** Worked out when asked: the exporter reads the end time, and nothing on the hot path reads this. */
  get duration(): HrTime {
    return this.ended ? hrTimeDuration(this.startTime, this.endTime) : NO_DURATION;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    const end = endTime === undefined ? this.#now() : timeInputToHrTime(endTime);
    // An end before the start (a clock given by the caller) is a zero-length span, as in the SDK.
    this.endTime = isBefore(end, this.startTime) ? this.startTime : end;
    this.ended = true;
    this.#processor.onEnd(this);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else {
      const type = exception.code ?? exception.name;
      if (type !== undefined) attributes['exception.type'] = String(type);
      if (exception.message !== undefined) attributes['exception.message'] = exception.message;
      if (exception.stack !== undefined) attributes['exception.stacktrace'] = exception.stack;
    }
    this.addEvent('exception', attributes, time);
  }

  /**
   * Now, on the span's own clock: its start plus the monotonic time since, as addHrTimes(startTime,
   * millisToHrTime(elapsed)) gives it, in one array instead of two.
   */
  #now(): HrTime {
    const elapsed = performance.now() - this.#startedAt;
    const [seconds, nanos] = this.startTime;
    let endSeconds = seconds + Math.trunc(elapsed / 1000);
    let endNanos = nanos + Math.round((elapsed % 1000) * 1e6);
    if (endNanos >= 1e9) {
      endNanos -= 1e9;
      endSeconds += 1;
    }
    return [endSeconds, endNanos];
  }
}

function isBefore(time: HrTime, other: HrTime): boolean {
  return time[0] < other[0] || (time[0] === other[0] && time[1] < other[1]);
}

function isTime(value: Attributes | TimeInput | undefined): value is TimeInput {
  return typeof value === 'number' || value instanceof Date || Array.isArray(value);
}
