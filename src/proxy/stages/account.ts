import type { BufferedObservations } from '../../observability/buffered-histogram.ts';
import type { BufferedCount } from '../../observability/count-buffer.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { Exchange } from '../exchange.ts';
import { createRequestLineWriter } from '../../observability/request-line.ts';
import { endHttpSpan, traceIdOf } from '../../observability/tracing.ts';

/** Counts, times and logs one finished exchange. */
export type Account = (exchange: Exchange, method: string, status: number, started: number) => void;

/**
 * The last stage: strangler_requests_total and strangler_request_duration_seconds by route, target and
 * mode, and one log line per request.
 */
export function createAccount(
  metrics: Pick<Metrics, 'requestCounts' | 'requestDuration'>,
  logger: Logger,
): Account {
  // Children are made once per label set and kept, in nested maps keyed by the label values
  // themselves: no key string is built (and hashed) per request.
  const requestCounters = new Map<string, Map<string, Map<string, Map<number, BufferedCount>>>>();
  const durationHistograms = new Map<string, Map<string, BufferedObservations>>();
  const writeRequestLine = createRequestLineWriter(logger);

  const count = (exchange: Exchange, status: number): void => {
    const { route, target, mode } = exchange;
    let byTarget = requestCounters.get(route);
    if (byTarget === undefined) requestCounters.set(route, (byTarget = new Map()));
    let byMode = byTarget.get(target);
    if (byMode === undefined) byTarget.set(target, (byMode = new Map()));
    let byStatus = byMode.get(mode);
    if (byStatus === undefined) byMode.set(mode, (byStatus = new Map()));
    let counter = byStatus.get(status);
    if (counter === undefined) {
      counter = metrics.requestCounts.child({ route, target, mode, status: String(status) });
      byStatus.set(status, counter);
    }
    counter.inc();
  };

  const time = (exchange: Exchange, seconds: number): void => {
    const { route, target } = exchange;
    let histograms = durationHistograms.get(route);
    if (histograms === undefined) durationHistograms.set(route, (histograms = new Map()));
    let histogram = histograms.get(target);
    if (histogram === undefined) {
      histogram = metrics.requestDuration.child({ route, target });
      histograms.set(target, histogram);
    }
    histogram.observe(seconds);
  };

  return (exchange, method, status, started) => {
    const seconds = (performance.now() - started) / 1000;
    count(exchange, status);
    time(exchange, seconds);
    if (exchange.span !== undefined) endSpans(exchange, status);
    writeRequestLine({
      requestId: exchange.requestId,
      route: exchange.route,
      mode: exchange.mode,
      target: exchange.target,
      method,
      path: exchange.loggedPath,
      status,
      durationMicros: Math.round(seconds * 1e6),
      traceId: traceIdOf(exchange.span),
    });
  };
}

/** The request's spans, with what the exchange ended as (a 499 is the client leaving, not an error). */
function endSpans(exchange: Exchange, status: number): void {
  const { span, legacySpan, upstreamError } = exchange;
  if (legacySpan !== undefined) endHttpSpan(legacySpan, status, upstreamError);
  if (span === undefined) return;
  // One call each rather than setAttributes: no object and key list made per request.
  span.setAttribute('strangler.route', exchange.route);
  span.setAttribute('strangler.mode', exchange.mode);
  span.setAttribute('strangler.target', exchange.target);
  endHttpSpan(span, status);
}
