import { describe, expect, test } from '@jest/globals';

import { tracingConfigured } from './tracing-sdk.ts';

describe('tracingConfigured', () => {
  const endpoint = 'http://collector:4318';

  test('is on with either standard endpoint', () => {
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/v1/traces` })).toBe(true);
  });

  test('takes an empty endpoint for unset, as a ConfigMap listing every setting gives it', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBe(false);
    expect(
      tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }),
    ).toBe(true);
  });

  test('the standard switches turn it off', () => {
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: 'true' })).toBe(
      false,
    );
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBe(
      false,
    );
  });
});
