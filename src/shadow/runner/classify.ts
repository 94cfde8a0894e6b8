import { redactedSegmentsOf } from '../../routing/redact-path.ts';
import type { RouteRecord } from '../../routing/route.ts';
import { unacceptedDifferences, type AcceptedDifferences } from '../accepted-differences.ts';
import type { CapturedRequest, CapturedResponse } from '../captured-exchange.ts';
import type { Difference } from '../compare/compare-exchanges.ts';
import type { CompiledCompareRules } from '../compare/compare-rules.ts';
import { fingerprintOf } from '../compare/fingerprint.ts';
import { collapseFormattedPath } from '../compare/json-path.ts';
import type { NoiseModel } from '../noise/noise-model.ts';
import type { Redactor } from '../redact.ts';
import type { SampleCaller } from '../store/shadow-store.ts';
import type { ShadowWriter } from '../store/shadow-writer.ts';
import type { Latency, RecordResult } from './record.ts';

export interface ClassifyDeps {
  readonly noise: Pick<NoiseModel, 'observeRaw' | 'classify'>;
  readonly redactor: Redactor;
  /** Sync lookup of QA's accepted differences; undefined when none. */
  readonly acceptedDifferences?: ((routeId: string) => AcceptedDifferences | undefined) | undefined;
  /** `wantsSample`, when given, is asked before a sample is redacted; otherwise every sample is kept. */
  readonly writer: Partial<Pick<ShadowWriter, 'wantsSample'>>;
  readonly now: () => Date;
  readonly record: RecordResult;
}

/** One compared exchange: the request, both sides' responses and the caller the new side ran for. */
export interface ComparedExchange {
  readonly request: CapturedRequest;
  readonly legacy: CapturedResponse;
  readonly candidate: CapturedResponse;
  readonly caller: SampleCaller | undefined;
}

/**
 * Records a completed comparison as one of: `match` (equal, or every real difference accepted by QA),
 * `noise` (every difference in a field legacy disagrees with itself on) or `mismatch` (a diff group,
 * with a redacted sample when the writer still wants one). The differences also feed the noise model.
 */
export type Classify = (
  route: RouteRecord,
  compared: ComparedExchange,
  rules: CompiledCompareRules,
  latency: Latency,
  result: { readonly equal: boolean; readonly differences: readonly Difference[] },
) => void;

export function createClassify(deps: ClassifyDeps): Classify {
  const { noise, redactor, now, record } = deps;
  return (route, compared, rules, latency, result) => {
    noise.observeRaw(route.id, result.differences);
    if (result.equal) {
      record(route, 'match', latency);
      return;
    }
    const { verdict, real, noisy } = judgeDifferences(deps, route.id, result.differences);
    if (verdict !== 'mismatch') {
      record(route, verdict, latency);
      return;
    }
    const fingerprint = fingerprintOf(real);
    const personalData = rules.redactPaths;
    // Redacting means parsing and re-serialising both bodies: only for a sample that will be kept.
    const keepSample = deps.writer.wantsSample?.(route.id, fingerprint) ?? true;
    const { request, legacy, candidate, caller } = compared;
    record(route, 'mismatch', latency, {
      group: {
        fingerprint,
        paths: groupPaths(real),
        ...(keepSample
          ? {
              sample: {
                capturedAt: now(),
                request: redactor.request(request, personalData, redactedSegmentsOf(route)),
                legacy: redactor.response(legacy, personalData),
                candidate: redactor.response(candidate, personalData),
                diffs: redactor.differences(real, personalData),
                noise: redactor.differences(noisy, personalData),
                ...(caller === undefined ? {} : { caller }),
              },
            }
          : {}),
      },
    });
  };
}

/**
 * What a comparison's differences amount to, without recording anything: `noise` when every one is in a
 * learned-noise field, `match` when QA accepted every real one, else `mismatch` with the real ones.
 */
export function judgeDifferences(
  deps: Pick<ClassifyDeps, 'noise' | 'acceptedDifferences'>,
  routeId: string,
  differences: readonly Difference[],
): {
  readonly verdict: 'match' | 'noise' | 'mismatch';
  readonly real: readonly Difference[];
  readonly noisy: readonly Difference[];
} {
  const { real: differing, noise: noisy } = deps.noise.classify(routeId, differences);
  if (differing.length === 0) return { verdict: 'noise', real: [], noisy };
  const real = unacceptedDifferences(deps.acceptedDifferences?.(routeId), differing);
  return { verdict: real.length === 0 ? 'match' : 'mismatch', real, noisy };
}

/** A diff group's differing locations: kind and path, array positions as `[*]`, sorted, once each. */
export function groupPaths(differences: readonly Difference[]): { path: string; kind: string }[] {
  const seen = new Map<string, { path: string; kind: string }>();
  for (const d of differences) {
    const path = collapseFormattedPath(d.path);
    seen.set(`${d.kind} ${path}`, { path, kind: d.kind });
  }
  return [...seen.values()].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : a.kind < b.kind ? -1 : 1,
  );
}
