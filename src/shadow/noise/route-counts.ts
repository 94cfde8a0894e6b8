/** How often one route's fields differed, on either side of the noise model. */
export class RouteCounts {
  /** Legacy-vs-new comparisons observed. */
  rawTotal = 0;
  /** Legacy-vs-legacy comparisons observed. */
  noiseTotal = 0;
  readonly fields = new Map<string, { raw: number; noise: number }>();
  private readonly maxFields: number;

  constructor(maxFields: number) {
    this.maxFields = maxFields;
  }

  /** Counts `n` for the field; false when the route already tracks `maxFields` others (not counted). */
  add(field: string, side: 'raw' | 'noise', n: number): boolean {
    let entry = this.fields.get(field);
    if (entry === undefined) {
      if (this.fields.size >= this.maxFields) return false;
      entry = { raw: 0, noise: 0 };
      this.fields.set(field, entry);
    }
    entry[side] += n;
    return true;
  }

  /** One more comparison on `side`, in which these fields differed; returns those counted. */
  observe(side: 'raw' | 'noise', fields: Iterable<string>): string[] {
    if (side === 'raw') this.rawTotal += 1;
    else this.noiseTotal += 1;
    const counted: string[] = [];
    for (const field of fields) if (this.add(field, side, 1)) counted.push(field);
    return counted;
  }
}

/** The route's counts in `map`, created empty on first use. */
export function countsFor(map: Map<string, RouteCounts>, routeId: string, maxFields: number): RouteCounts {
  let counts = map.get(routeId);
  if (counts === undefined) {
    counts = new RouteCounts(maxFields);
    map.set(routeId, counts);
  }
  return counts;
}
