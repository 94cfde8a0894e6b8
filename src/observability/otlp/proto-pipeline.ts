import { diag } from '@opentelemetry/api';
import { getNumberFromEnv, getStringFromEnv } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import type { Sampler } from '@opentelemetry/sdk-trace';

import { createOtlpProtoExporter } from './otlp-proto-exporter.ts';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The batch processor and sampler the SDK would build from the OTEL_* variables for an OTLP/HTTP
 * protobuf export (@opentelemetry/sdk-node's create-from-env, which it does not export), built here
 * so that the request's own spans (light-spans.ts) go through the very same ones. `sampler` is
 * undefined for a value the SDK itself would refuse; it then keeps its default, and logs why.
 */
export function createProtoPipeline(): { processor: BatchSpanProcessor; sampler: Sampler | undefined } {
  const processor = new BatchSpanProcessor({
    exporter: createOtlpProtoExporter(),
    maxQueueSize: positiveFromEnv('OTEL_BSP_MAX_QUEUE_SIZE'),
    scheduledDelayMillis: positiveFromEnv('OTEL_BSP_SCHEDULE_DELAY'),
    exportTimeoutMillis: positiveFromEnv('OTEL_BSP_EXPORT_TIMEOUT'),
    maxExportBatchSize: positiveFromEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
  });
  return { processor, sampler: samplerFromEnv() };
}

/** OTEL_TRACES_SAMPLER and its argument, as the SDK reads them (unset: parent-based, always on). */
export function samplerFromEnv(): Sampler | undefined {
  switch (getStringFromEnv('OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on') {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratioFromEnv());
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratioFromEnv()) });
    default:
      return undefined;
  }
}

/** OTEL_TRACES_SAMPLER_ARG: blank or outside [0, 1] is 1, with the SDK's message. */
function ratioFromEnv(): number {
  const ratio = getNumberFromEnv('OTEL_TRACES_SAMPLER_ARG');
  if (ratio !== undefined && ratio >= 0 && ratio <= 1) return ratio;
  diag.error(`OTEL_TRACES_SAMPLER_ARG=${String(ratio)} is blank or out of range ([0..1]), defaulting to 1.`);
  return 1;
}

function positiveFromEnv(name: string): number | undefined {
  const value = getNumberFromEnv(name);
  if (value === undefined || value > 0) return value;
  diag.warn(`${name} (${value}) is invalid, expected number greater than 0, using default.`);
  return undefined;
}

/** Span limits set through the environment: the request's own spans then stay the SDK's. */
export function spanLimitsConfigured(env: Env): boolean {
  return SPAN_LIMITS.some((name) => (env[name] ?? '').trim() !== '');
}

const SPAN_LIMITS = [
  'OTEL_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_SPAN_EVENT_COUNT_LIMIT',
  'OTEL_SPAN_LINK_COUNT_LIMIT',
  'OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT',
  'OTEL_LINK_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT',
];
