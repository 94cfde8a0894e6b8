import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace';

import type { LightTracer } from './light-spans.ts';
import { randomIdGenerator } from './random-ids.ts';
import { enableTracing } from './tracing.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** A started SDK: `shutdown` exports the spans still batched, then stops. */
export interface TracingSdk {
  shutdown(): Promise<void>;
}

/**
 * Tracing is on when an OTLP endpoint is configured (the standard variables), unless the standard
 * switches turn it off. Everything else (protocol, sampler, batch delays, resource attributes) is read
 * by the SDK itself from the OTEL_* variables.
 */
export function tracingConfigured(env: Env): boolean {
  // An empty value means unset, as for every setting (a ConfigMap lists them all, most empty).
  const given = (name: string): boolean => (env[name] ?? '').trim() !== '';
  if (!given('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') && !given('OTEL_EXPORTER_OTLP_ENDPOINT')) return false;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() !== 'none';
}

/**
 * Starts OpenTelemetry's Node SDK for traces only (metrics stay on Prometheus, logs on stdout) when
 * tracingConfigured(process.env), which the SDK reads too; undefined otherwise. The SDK is imported only then, so a process without
 * tracing never loads it.
 */
export async function startTracing(): Promise<TracingSdk | undefined> {
  const env = process.env;
  if (!tracingConfigured(env)) return undefined;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const own = await ownPipeline(env);
  const named =
    env.OTEL_SERVICE_NAME !== undefined || /(^|,)\s*service\.name=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  const sdk = new NodeSDK({
    ...(named ? {} : { serviceName: 'strangler' }),
    idGenerator: randomIdGenerator,
    // For any other export the SDK builds everything from OTEL_* itself.
    ...(own === undefined ? {} : { spanProcessors: [own.processor] }),
    ...(own?.sampler === undefined ? {} : { sampler: own.sampler }),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  enableTracing(own?.light);
  return sdk;
}

/**
 * For the default export, OTLP/HTTP protobuf with strangler's encoder: the batch processor (and the
 * sampler, when OTEL_TRACES_SAMPLER names a standard one), and under that sampler with no span limits
 * the request's own spans (light-spans.ts). Undefined for any other export.
 */
async function ownPipeline(
  env: Env,
): Promise<{ processor: SpanProcessor; sampler?: Sampler; light?: LightTracer } | undefined> {
  const { exportsOtlpProto } = await import('./otlp/otlp-proto-exporter.ts');
  if (!exportsOtlpProto(env)) return undefined;
  const { createProtoPipeline, spanLimitsConfigured } = await import('./otlp/proto-pipeline.ts');
  const { createLightTracer } = await import('./light-spans.ts');
  const { processor, sampler } = createProtoPipeline();
  if (sampler === undefined) return { processor };
  if (spanLimitsConfigured(env)) return { processor, sampler };
  const light = createLightTracer(sampler, processor, randomIdGenerator);
  return { processor: light.processor, sampler, light };
}
