import type { EnvReader } from './env-reader.ts';

/**
 * OpenTelemetry's SDK reads its variables itself (observability/tracing-sdk.ts); only the endpoints are
 * checked here, since a mistyped one would otherwise show only as traces that never arrive.
 */
export function checkOtelEndpoints(r: EnvReader): void {
  for (const name of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'])
    r.url(name, ['http:', 'https:']);
}
