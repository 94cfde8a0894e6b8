import type { Logger } from '../../observability/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { RouteRecord } from '../../routing/route.ts';
import type { ShadowOutcome, ShadowReason } from '../store/shadow-store.ts';
import type { ShadowResult } from '../store/result-buffer.ts';
import type { ShadowWriter } from '../store/shadow-writer.ts';

/** Each side's time in ms, where it is known. */
export interface Latency {
  readonly legacyMs?: number;
  readonly newMs?: number;
}

/** Why a comparison did not complete: stored as the code, logged with the detail. */
export interface Reason {
  readonly code: ShadowReason;
  readonly detail: string;
}

/** Counts one comparison's outcome and latency, and hands it to the writer. */
export type RecordResult = (
  route: RouteRecord,
  outcome: ShadowOutcome,
  latency: Latency,
  extra?: Partial<Pick<ShadowResult, 'group'>>,
  reason?: Reason,
) => void;

export function createRecordResult(deps: {
  readonly writer: Pick<ShadowWriter, 'record'>;
  readonly metrics: Pick<Metrics, 'shadowComparisons' | 'shadowLatency'>;
  readonly logger: Logger;
  readonly now: () => Date;
}): RecordResult {
  const { writer, metrics, logger, now } = deps;
  return (route, outcome, latency, extra = {}, reason) => {
    metrics.shadowComparisons.inc({ route: route.id, outcome });
    if (latency.legacyMs !== undefined) {
      metrics.shadowLatency.observe({ route: route.id, side: 'legacy' }, latency.legacyMs / 1000);
    }
    if (latency.newMs !== undefined) {
      metrics.shadowLatency.observe({ route: route.id, side: 'new' }, latency.newMs / 1000);
    }
    if (reason !== undefined) {
      logger.debug('shadow comparison not completed', {
        route: route.id,
        outcome,
        reason: reason.code,
        detail: reason.detail,
      });
    }
    writer.record({
      routeId: route.id,
      at: now(),
      outcome,
      ...(reason === undefined ? {} : { reason: reason.code }),
      ...(latency.legacyMs === undefined ? {} : { legacyLatencyMs: latency.legacyMs }),
      ...(latency.newMs === undefined ? {} : { newLatencyMs: latency.newMs }),
      ...extra,
    });
  };
}
