import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { dotnetForSuite } from '../../scripts/legacy-aspnet/dotnet-suite.ts';
import { startLegacyAspnet, type LegacyAspnet } from '../../scripts/legacy-aspnet/legacy-aspnet.ts';
import { startInMemoryTracing } from '../observability/testing/in-memory-tracing.ts';
import { LEGACY_ENGINES } from './legacy-forwarder.ts';
import { startProxy } from './proxy-test-harness.ts';

/*
 * The real ASP.NET app behind the proxy with tracing on: ASP.NET Core starts its request Activity from
 * the traceparent it receives, and writes that Activity's id as every ProblemDetails' traceId. Legacy's
 * answer therefore shows whether its own telemetry (Application Insights, OpenTelemetry .NET) joins the
 * proxy's trace: the client's trace id and sampled flag, with a span of its own.
 */

const hasDotnet = dotnetForSuite('the trace-context-against-Kestrel suite');
const describeWithDotnet = hasDotnet ? describe : describe.skip;
const tracing = startInMemoryTracing();
const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

let legacy: LegacyAspnet | undefined;

beforeAll(async () => {
  if (!hasDotnet) return;
  // A body that fails model binding is answered before any database is touched.
  legacy = await startLegacyAspnet({ legacyDatabaseUrl: 'postgres://nobody@127.0.0.1:1/none', port: 0 });
}, 120_000);

afterAll(async () => {
  await legacy?.stop();
});

describeWithDotnet.each(LEGACY_ENGINES)('legacy continues the proxy trace (%s engine)', (engine) => {
  it.each(['01', '00'])('a client trace with flags %s: Kestrel’s ProblemDetails is in it', async (flags) => {
    const proxy = await startProxy({ engine, legacyUrl: legacy!.url });
    try {
      const response = await fetch(new URL('/api/athletes', proxy.url), {
        method: 'POST',
        headers: {
          traceparent: `00-${CLIENT_TRACE}-00f067aa0ba902b7-${flags}`,
          'content-type': 'application/json',
        },
        body: '{"unfinished":',
      });
      const problem = (await response.json()) as { traceId?: string };
      expect(response.status).toBe(400);
      const legacySpans = tracing.spans().filter((span) => span.name === 'legacy');
      const [, traceId, spanId, sampled] =
        /^00-([0-9a-f]{32})-([0-9a-f]{16})-(\d\d)$/.exec(problem.traceId ?? '') ?? [];
      expect({ traceId, sampled }).toEqual({ traceId: CLIENT_TRACE, sampled: flags });
      // Kestrel's span is its own, under the proxy's legacy span (which is in the same trace).
      expect(legacySpans.map((span) => span.spanContext().spanId)).not.toContain(spanId);
      expect(legacySpans.some((span) => span.spanContext().traceId === CLIENT_TRACE)).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});
