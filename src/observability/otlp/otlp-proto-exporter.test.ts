import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

import { startTracing } from '../tracing-sdk.ts';
import { endHttpSpan, SpanKind, startChildSpan, startServerSpan } from '../tracing.ts';
import { createOtlpProtoExporter, exportsOtlpProto } from './otlp-proto-exporter.ts';

/*
 * The exporter strangler gives the SDK for OTLP/HTTP protobuf: the SDK's transport, configured by the
 * standard variables, carrying the encoder's bytes, to a real HTTP endpoint.
 */

interface Received {
  readonly path: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

describe('the OTLP/HTTP protobuf exporter', () => {
  const received: Received[] = [];
  let server: http.Server;
  const saved = { ...process.env };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-api-key=secret';
  });

  afterAll(async () => {
    process.env = saved;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('posts the spans to <endpoint>/v1/traces with the configured headers, in the SDK’s encoding', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
    const tracer = provider.getTracer('strangler');
    const server = tracer.startSpan('GET', { attributes: { 'http.request.method': 'GET' } });
    tracer.startSpan('legacy').end();
    server.end();
    const spans: ReadableSpan[] = memory.getFinishedSpans();

    const exporter = createOtlpProtoExporter();
    const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
    await exporter.shutdown();

    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(received).toHaveLength(1);
    const [post] = received;
    expect(post?.path).toBe('/v1/traces');
    expect(post?.headers['content-type']).toBe('application/x-protobuf');
    expect(post?.headers['x-api-key']).toBe('secret');
    expect(post?.body.equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) ?? []))).toBe(true);
  });

  it('is what startTracing exports through by default: a request’s spans reach the endpoint, batched', async () => {
    received.length = 0;
    process.env.OTEL_TRACES_SAMPLER = 'always_on';
    const sdk = await startTracing();
    const span = startServerSpan({}, 'GET');
    const legacy = startChildSpan(span, 'legacy', SpanKind.CLIENT);
    if (legacy !== undefined) endHttpSpan(legacy, 200);
    if (span !== undefined) endHttpSpan(span, 200);
    await sdk?.shutdown();

    expect(received).toHaveLength(1);
    const [post] = received;
    expect(post?.headers['content-type']).toBe('application/x-protobuf');
    expect(post?.body.includes(Buffer.from('legacy'))).toBe(true);
    expect(post?.body.includes(Buffer.from(span?.spanContext().traceId ?? '-', 'hex'))).toBe(true);
  });
});

describe('exportsOtlpProto: where the SDK would choose OTLP/HTTP protobuf', () => {
  it.each([
    [{}, true],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, true],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, true],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, false],
    [{ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }, false],
    [
      { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
      false,
    ],
    [{ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: ' ', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, false],
    [{ OTEL_TRACES_EXPORTER: 'console' }, false],
    [{ OTEL_TRACES_EXPORTER: 'otlp,zipkin' }, false],
  ])('%j → %s', (env, expected) => {
    expect(exportsOtlpProto(env)).toBe(expected);
  });
});
