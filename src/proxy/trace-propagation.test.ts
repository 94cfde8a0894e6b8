import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
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
/** What legacy received for one request, and the client trace it was sent in. */
interface Sent {
  readonly received: IncomingHttpHeaders;
  readonly traceId: string;
  readonly requestId: string;
}

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

  /** Sends a request in a trace of its own; what legacy received, and the trace's id. */
  async function send(options: { method?: string; path: string; body?: string }): Promise<Sent> {
    const traceId = randomBytes(16).toString('hex');
    const requestId = randomBytes(8).toString('hex');
    const headers = {
      traceparent: `00-${traceId}-${CLIENT_SPAN}-01`,
      tracestate: 'congo=t61rcWkgMzE',
      'x-request-id': requestId,
    };
    const response = await request(proxy.url, { ...options, headers });
    expect(response.status).toBe(200);
    const received = seen.get(requestId);
    if (received === undefined) throw new Error(`legacy never saw ${options.path}`);
    return { received, traceId, requestId };
  }

  /** The trace's spans once all have ended (the server span ends last, when the response closes). */
  async function spansOf(traceId: string, count: number): Promise<ReadableSpan[]> {
    const deadline = Date.now() + 2000;
    for (;;) {
      const spans = tracing.spans().filter((span) => span.spanContext().traceId === traceId);
      if (spans.length >= count) return spans;
      if (Date.now() > deadline) throw new Error(`trace ${traceId}: ${spans.length} spans of ${count}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  function expectLegacyGotClientSpan(sent: Sent, spans: ReadableSpan[]): void {
    const server = spans.find((span) => span.kind === SpanKind.SERVER);
    const client = spans.find((span) => span.kind === SpanKind.CLIENT);
    expect(server?.parentSpanContext?.spanId).toBe(CLIENT_SPAN);
    expect(client?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(sent.received.traceparent).toBe(`00-${sent.traceId}-${client?.spanContext().spanId}-01`);
    expect(sent.received.tracestate).toBe('congo=t61rcWkgMzE');
  }

  it('a streamed request: legacy gets the client span of the proxy, in the client trace', async () => {
    const sent = await send({ path: '/anything' });
    expectLegacyGotClientSpan(sent, await spansOf(sent.traceId, 2));
  });

  it('a request whose body was received first: the same', async () => {
    const sent = await send({ method: 'POST', path: '/upload', body: 'x'.repeat(100) });
    expectLegacyGotClientSpan(sent, await spansOf(sent.traceId, 2));
  });

  it('a new handler that failed and fell back: its span is an error, legacy still gets the client span', async () => {
    const sent = await send({ path: '/api/orders/7' });
    const spans = await spansOf(sent.traceId, 3);
    expectLegacyGotClientSpan(sent, spans);
    const handler = spans.find((span) => span.name === 'new handler orders-get');
    expect(handler?.status.code).toBe(2);
    const server = spans.find((span) => span.kind === SpanKind.SERVER);
    expect(server?.name).toBe('GET /api/orders/{id}');
    expect(server?.attributes).toMatchObject({ 'strangler.mode': 'new', 'strangler.target': 'legacy' });
  });

  it('writes the trace id on the request log line', async () => {
    const sent = await send({ path: '/logged' });
    const deadline = Date.now() + 2000;
    const line = () => lines.find((candidate) => candidate.requestId === sent.requestId);
    while (line() === undefined && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(line()?.trace_id).toBe(sent.traceId);
  });
});
