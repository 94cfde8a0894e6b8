import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { IncomingHttpHeaders } from 'node:http';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

import { createLogger } from '../observability/logger.ts';
import { startInMemoryTracing } from '../observability/testing/in-memory-tracing.ts';
import { createFakeFlagResolver } from '../testing/fake-flag-resolver.ts';
import { LEGACY_ENGINES } from './legacy-forwarder.ts';
import type { Proxy, Upstream } from './proxy-test-harness.ts';
import { jsonLinesInto, onWholeBody, request, startProxy, startUpstream } from './proxy-test-harness.ts';

/*
 * With tracing on, legacy (a real HTTP server recording what it receives) gets the traceparent of the
 * proxy's client span, in the client's trace and with the client's tracestate, on both engines and on
 * every way a request reaches legacy: streamed, with a body replayed, and as a new handler's fallback.
 * (With tracing off the client's own traceparent passes untouched: legacy-forwarding.test.ts.)
 */

const tracing = startInMemoryTracing();
const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

describe.each(LEGACY_ENGINES)('trace context to legacy (%s engine)', (engine) => {
  let upstream: Upstream;
  let proxy: Proxy;
  const seen = new Map<string, IncomingHttpHeaders>();
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      onWholeBody(req, (body) => {
        seen.set(String(req.headers['x-request-id']), req.headers);
        res.end(`legacy ${body.length}`);
      });
    });
    proxy = await startProxy({
      engine,
      legacyUrl: upstream.url,
      logger: createLogger('info', jsonLinesInto(lines)),
      flags: createFakeFlagResolver({ 'strangler.orders-get': 'new' }),
      routes: [
        {
          id: 'orders-get',
          methods: ['GET'],
          path: '/api/orders/{id}',
          flag: 'strangler.orders-get',
          handler: () => Promise.reject(new Error('new side down')),
          stickiness: { kind: 'client-address' },
        },
      ],
    });
  });

  afterAll(async () => {
    await proxy.close();
    await upstream.close();
  });

  async function send(requestId: string, options: { method?: string; path: string; body?: string }) {
    const traceparent = `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`;
    const headers = { traceparent, tracestate: 'congo=t61rcWkgMzE', 'x-request-id': requestId };
    const response = await request(proxy.url, { ...options, headers });
    expect(response.status).toBe(200);
    const received = seen.get(requestId);
    if (received === undefined) throw new Error(`legacy never saw ${requestId}`);
    return received;
  }

  /** The request's spans once all have ended (the server span ends last, when the response closes). */
  async function spansOf(requestId: string, count: number): Promise<ReadableSpan[]> {
    const deadline = Date.now() + 2000;
    for (;;) {
      const server = tracing
        .spans()
        .find(
          (span) => span.kind === SpanKind.SERVER && span.attributes['strangler.request_id'] === requestId,
        );
      const spans = tracing.spans().filter((span) => span.spanContext().traceId === CLIENT_TRACE);
      const mine = server === undefined ? [] : spans.filter((span) => belongsTo(span, server, spans));
      if (mine.length >= count) return mine;
      if (Date.now() > deadline) throw new Error(`spans of ${requestId}: ${mine.length} of ${count}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  function expectLegacyGotClientSpan(received: IncomingHttpHeaders, spans: ReadableSpan[]): void {
    const server = spans.find((span) => span.kind === SpanKind.SERVER);
    const client = spans.find((span) => span.kind === SpanKind.CLIENT);
    expect(server?.parentSpanContext?.spanId).toBe(CLIENT_SPAN);
    expect(client?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(received.traceparent).toBe(`00-${CLIENT_TRACE}-${client?.spanContext().spanId}-01`);
    expect(received.tracestate).toBe('congo=t61rcWkgMzE');
  }

  it('a streamed request: legacy gets the client span of the proxy, in the client trace', async () => {
    const received = await send(`${engine}-get`, { path: '/anything' });
    expectLegacyGotClientSpan(received, await spansOf(`${engine}-get`, 2));
  });

  it('a request whose body was received first: the same', async () => {
    const received = await send(`${engine}-post`, { method: 'POST', path: '/upload', body: 'x'.repeat(100) });
    expectLegacyGotClientSpan(received, await spansOf(`${engine}-post`, 2));
  });

  it('a new handler that failed and fell back: its span is an error, legacy still gets the client span', async () => {
    const received = await send(`${engine}-fallback`, { path: '/api/orders/7' });
    const spans = await spansOf(`${engine}-fallback`, 3);
    expectLegacyGotClientSpan(received, spans);
    const handler = spans.find((span) => span.name === 'new handler orders-get');
    expect(handler?.status.code).toBe(2);
    const server = spans.find((span) => span.kind === SpanKind.SERVER);
    expect(server?.name).toBe('GET /api/orders/{id}');
    expect(server?.attributes).toMatchObject({ 'strangler.mode': 'new', 'strangler.target': 'legacy' });
  });

  it('writes the trace id on the request log line', async () => {
    await send(`${engine}-log`, { path: '/logged' });
    const deadline = Date.now() + 2000;
    while (!lines.some((line) => line.requestId === `${engine}-log`) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const line = lines.find((candidate) => candidate.requestId === `${engine}-log`);
    expect(line?.trace_id).toBe(CLIENT_TRACE);
  });
});

/** True when `span` is `server` or one of its descendants among `spans`. */
function belongsTo(span: ReadableSpan, server: ReadableSpan, spans: readonly ReadableSpan[]): boolean {
  let current: ReadableSpan | undefined = span;
  while (current !== undefined) {
    if (current.spanContext().spanId === server.spanContext().spanId) return true;
    const parent: string | undefined = current.parentSpanContext?.spanId;
    current = spans.find((candidate) => candidate.spanContext().spanId === parent);
  }
  return false;
}
