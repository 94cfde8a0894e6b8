/** The value at quantile `q` (0..1) of an ascending list; NaN for an empty one. */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
