import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

import { enableTracing } from '../tracing.ts';

/**
 * Tracing on in the test's own process, as the SDK turns it on (W3C propagation, async context), with
 * every ended span kept in memory instead of exported.
 */
export function startInMemoryTracing(): { spans(): ReadableSpan[] } {
  const exporter = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(
    new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
  );
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  enableTracing();
  return { spans: () => exporter.getFinishedSpans() };
}
