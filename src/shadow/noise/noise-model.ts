import type { Difference } from '../compare/compare-exchanges.ts';
import { collapseFormattedPath } from '../compare/json-path.ts';
import { countsFor, RouteCounts } from './route-counts.ts';

/**
 * Learns, per route and field, how often legacy disagrees with itself, and keeps those fields apart
 * from real differences. This is Diffy's approach (twitter/diffy, JoinedDifferences.scala): a sample of
 * requests is sent to legacy twice; a field differing between the two legacy responses is noise, and a
 * legacy-vs-new difference in a field is real only when its rate clearly exceeds the field's noise rate.
 *
 * Diffy sends every request to all three sides, so it compares counts over one total; here the noise
 * sample is a subset of the compared requests, so the same thresholds are applied to rates.
 */

export interface NoiseThresholds {
  /** Percent: |raw − noise| / (raw + noise) × 100 must exceed it. Diffy's default: 20. */
  readonly relativePercent: number;
  /** Percent: |raw − noise| × 100 (difference in rates) must exceed it. Diffy's default: 0.03. */
  readonly absolutePercent: number;
}

export const DEFAULT_NOISE_THRESHOLDS: NoiseThresholds = { relativePercent: 20, absolutePercent: 0.03 };

export interface FieldNoise {
  /** Field with array positions collapsed, e.g. `$.Items[*].UpdatedAt`, `headers.etag`, `status`. */
  readonly field: string;
  /** Legacy-vs-new comparisons in which the field differed. */
  readonly rawDifferences: number;
  /** Legacy-vs-legacy comparisons in which the field differed. */
  readonly noiseDifferences: number;
}

export interface RouteNoise {
  readonly routeId: string;
  /** Legacy-vs-new comparisons observed. */
  readonly rawTotal: number;
  /** Legacy-vs-legacy comparisons observed. */
  readonly noiseTotal: number;
  readonly fields: readonly FieldNoise[];
}

export interface Classification {
  /** Differences that clearly exceed the field's noise: what QA must look at. */
  readonly real: readonly Difference[];
  readonly noise: readonly Difference[];
}

export interface NoiseModel {
  /** Records one legacy-vs-legacy comparison (its differences; empty when legacy agreed with itself). */
  observeNoise(routeId: string, differences: readonly Difference[]): void;
  /** Records one legacy-vs-new comparison. Call it before `classify` for the same comparison. */
  observeRaw(routeId: string, differences: readonly Difference[]): void;
  classify(routeId: string, differences: readonly Difference[]): Classification;
  /** True when the field counts as noise now (legacy disagrees with itself about as often as with new). */
  isNoise(routeId: string, field: string): boolean;
  snapshot(routeId: string): RouteNoise | undefined;
  /** Adds counts learned earlier (the store's totals at startup). */
  seed(noise: RouteNoise): void;
  /** Counts observed since the last call, for the store; the model keeps its own totals. */
  drainDeltas(): RouteNoise[];
}

export function fieldOf(difference: Difference): string {
  return collapseFormattedPath(difference.path);
}

export function createNoiseModel(
  options: { thresholds?: NoiseThresholds; maxFieldsPerRoute?: number } = {},
): NoiseModel {
  const thresholds = options.thresholds ?? DEFAULT_NOISE_THRESHOLDS;
  // A response with unbounded distinct paths (keyed by ids) must not grow memory without bound.
  const maxFields = options.maxFieldsPerRoute ?? 2000;
  const totals = new Map<string, RouteCounts>();
  let deltas = new Map<string, RouteCounts>();

  const observe = (routeId: string, differences: readonly Difference[], side: 'raw' | 'noise'): void => {
    // A field counts once per comparison, however many array elements differ in it. Only fields the
    // model tracks go to the store: past the cap the stored fields would grow without bound while the
    // model ignored them.
    const counted = countsFor(totals, routeId, maxFields).observe(side, new Set(differences.map(fieldOf)));
    countsFor(deltas, routeId, maxFields).observe(side, counted);
  };
  const isNoise = (routeId: string, field: string): boolean =>
    fieldIsNoise(totals.get(routeId), field, thresholds);

  return {
    observeNoise: (routeId, differences) => observe(routeId, differences, 'noise'),
    observeRaw: (routeId, differences) => observe(routeId, differences, 'raw'),
    isNoise,
    classify(routeId, differences) {
      const real: Difference[] = [];
      const noise: Difference[] = [];
      const verdicts = new Map<string, boolean>();
      for (const difference of differences) {
        const field = fieldOf(difference);
        let noisy = verdicts.get(field);
        if (noisy === undefined) {
          noisy = isNoise(routeId, field);
          verdicts.set(field, noisy);
        }
        (noisy ? noise : real).push(difference);
      }
      return { real, noise };
    },
    snapshot(routeId) {
      const counts = totals.get(routeId);
      return counts === undefined ? undefined : toRouteNoise(routeId, counts);
    },
    seed(noise) {
      const counts = countsFor(totals, noise.routeId, maxFields);
      counts.rawTotal += noise.rawTotal;
      counts.noiseTotal += noise.noiseTotal;
      for (const f of noise.fields) {
        counts.add(f.field, 'raw', f.rawDifferences);
        counts.add(f.field, 'noise', f.noiseDifferences);
      }
    },
    drainDeltas() {
      const drained = [...deltas].map(([routeId, counts]) => toRouteNoise(routeId, counts));
      deltas = new Map();
      return drained;
    },
  };
}

/** Real when the field differs clearly more often against new than legacy differs from itself. */
function fieldIsNoise(counts: RouteCounts | undefined, field: string, thresholds: NoiseThresholds): boolean {
  if (counts === undefined || counts.noiseTotal === 0) return false;
  const entry = counts.fields.get(field);
  if (entry === undefined || entry.noise === 0) return false;
  const rawRate = counts.rawTotal === 0 ? 0 : entry.raw / counts.rawTotal;
  const noiseRate = entry.noise / counts.noiseTotal;
  const delta = Math.abs(rawRate - noiseRate);
  const real =
    rawRate > noiseRate &&
    delta * 100 > thresholds.absolutePercent &&
    (delta / (rawRate + noiseRate)) * 100 > thresholds.relativePercent;
  return !real;
}

function toRouteNoise(routeId: string, counts: RouteCounts): RouteNoise {
  return {
    routeId,
    rawTotal: counts.rawTotal,
    noiseTotal: counts.noiseTotal,
    fields: [...counts.fields].map(([field, c]) => ({
      field,
      rawDifferences: c.raw,
      noiseDifferences: c.noise,
    })),
  };
}
