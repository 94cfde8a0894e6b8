import { decodeSegment } from './decode-segment.ts';
import type { RouteMatch, RouteRecord } from './route.ts';

const SLASH = 47;

export interface CompiledRoute {
  readonly route: RouteRecord;
  readonly order: number;
  /** Lower-cased literal per position, undefined where the template has a parameter. */
  readonly literals: readonly (string | undefined)[];
  /** Parameter name per position, undefined where the template has a literal. */
  readonly params: readonly (string | undefined)[];
  readonly literalCount: number;
}

/**
 * RouteTable.match over compiled routes. They are indexed by method, then by segment count, then by
 * the literal at the position that tells the bucket's templates apart best, so an unclaimed request
 * costs a few Map lookups and a scan of the path for slashes however many routes there are; no regex
 * runs per request.
 */
export function createMatcher(
  compiled: readonly CompiledRoute[],
): (method: string, rawPath: string) => RouteMatch | undefined {
  const grouped = new Map<string, CompiledRoute[][]>();
  for (const entry of [...compiled].sort(bySpecificity)) {
    for (const method of entry.route.methods) {
      let byCount = grouped.get(method);
      if (byCount === undefined) grouped.set(method, (byCount = []));
      (byCount[entry.literals.length] ??= []).push(entry);
    }
  }
  const byMethod = new Map<string, (Bucket | undefined)[]>();
  for (const [method, byCount] of grouped) byMethod.set(method, byCount.map(indexBucket));

  return (method: string, rawPath: string): RouteMatch | undefined => {
    const buckets = byMethod.get(method);
    if (buckets === undefined || rawPath.charCodeAt(0) !== SLASH) return undefined;
    let end = rawPath.indexOf('?');
    if (end < 0) end = rawPath.length;
    // Only a single trailing slash is forgiven: `//` is not the root and `/a//` is not `/a`.
    if (end > 2 && rawPath.charCodeAt(end - 1) === SLASH && rawPath.charCodeAt(end - 2) !== SLASH) end -= 1;
    let count = end > 1 ? 1 : 0;
    for (let i = 1; i < end; i += 1) if (rawPath.charCodeAt(i) === SLASH) count += 1;
    const bucket = buckets[count];
    if (bucket === undefined) return undefined;
    let candidates = bucket.all;
    if (bucket.position >= 0) {
      const key = decodeSegment(segmentAt(rawPath, end, bucket.position)).toLowerCase();
      candidates = bucket.byLiteral.get(key) ?? bucket.paramOnly;
    }
    // Literals are compared where they stand in the path: most requests are no route's, and one that
    // matches no candidate allocates nothing here.
    for (const candidate of candidates) {
      if (!literalsMatch(candidate, rawPath, end)) continue;
      const params = paramsOf(candidate, rawPath, end);
      if (params !== undefined) return { route: candidate.route, params };
    }
    return undefined;
  };
}

/**
 * Templates of one method and segment count, in specificity order. When a position has different
 * literals across templates, `byLiteral` maps each literal to the templates that can still match
 * (that literal or a parameter there), keeping the order; `paramOnly` serves any other segment.
 */
interface Bucket {
  readonly all: readonly CompiledRoute[];
  /** -1: no position discriminates, scan `all`. */
  readonly position: number;
  readonly byLiteral: ReadonlyMap<string, readonly CompiledRoute[]>;
  readonly paramOnly: readonly CompiledRoute[];
}

function indexBucket(all: readonly CompiledRoute[]): Bucket {
  let position = -1;
  let best = 1;
  const width = all[0]?.literals.length ?? 0;
  for (let i = 0; i < width; i += 1) {
    const distinct = new Set(all.map((c) => c.literals[i]).filter((l) => l !== undefined)).size;
    if (distinct > best) {
      best = distinct;
      position = i;
    }
  }
  const byLiteral = new Map<string, CompiledRoute[]>();
  const paramOnly = all.filter((c) => position < 0 || c.literals[position] === undefined);
  if (position >= 0) {
    for (const candidate of all) {
      const literal = candidate.literals[position];
      if (literal !== undefined && !byLiteral.has(literal)) {
        byLiteral.set(
          literal,
          all.filter((c) => c.literals[position] === literal || c.literals[position] === undefined),
        );
      }
    }
  }
  return { all, position, byLiteral, paramOnly };
}

/** The path's `index`th segment (0: the one after the leading slash), up to `end`. */
function segmentAt(rawPath: string, end: number, index: number): string {
  let start = 1;
  for (let i = 0; i < index; i += 1) start = rawPath.indexOf('/', start) + 1;
  return rawPath.slice(start, segmentEnd(rawPath, start, end));
}

/** The end of the segment starting at `start`, within the path's first `end` characters. */
function segmentEnd(rawPath: string, start: number, end: number): number {
  const stop = rawPath.indexOf('/', start);
  return stop < 0 || stop > end ? end : stop;
}

function literalsMatch(candidate: CompiledRoute, rawPath: string, end: number): boolean {
  const { literals } = candidate;
  let start = 1;
  for (let i = 0; i < literals.length; i += 1) {
    const stop = segmentEnd(rawPath, start, end);
    const literal = literals[i];
    if (literal !== undefined && !literalMatches(rawPath, start, stop, literal)) return false;
    start = stop + 1;
  }
  return true;
}

/** The route values, decoded; undefined when a parameter's segment is empty. */
function paramsOf(
  candidate: CompiledRoute,
  rawPath: string,
  end: number,
): Readonly<Record<string, string>> | undefined {
  const params: Record<string, string> = {};
  let start = 1;
  for (let i = 0; i < candidate.params.length; i += 1) {
    const stop = segmentEnd(rawPath, start, end);
    const name = candidate.params[i];
    if (name !== undefined) {
      if (stop <= start) return undefined;
      params[name] = decodeSegment(rawPath.slice(start, stop));
    }
    start = stop + 1;
  }
  return params;
}

/** The segment rawPath[start, stop) against a lower-cased literal, as Kestrel decoded it. */
function literalMatches(rawPath: string, start: number, stop: number, literal: string): boolean {
  const length = stop - start;
  if (length === literal.length && equalsIgnoreAsciiCase(rawPath, start, literal)) return true;
  // Only an escape can make a longer segment spell the literal.
  const percent = rawPath.indexOf('%', start);
  if (length <= literal.length || percent < 0 || percent >= stop) return false;
  const decoded = decodeSegment(rawPath.slice(start, stop));
  return decoded.length === literal.length && equalsIgnoreAsciiCase(decoded, 0, literal);
}

/**
 * `value` from `at` against a lower-cased literal of the same length: ASP.NET Core compares literals
 * with OrdinalIgnoreCase; ASCII folding avoids a per-request allocation.
 */
function equalsIgnoreAsciiCase(value: string, at: number, lowerLiteral: string): boolean {
  for (let i = 0; i < lowerLiteral.length; i += 1) {
    let c = value.charCodeAt(at + i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lowerLiteral.charCodeAt(i)) return false;
  }
  return true;
}

/** More literal segments first; then the one whose literals come earlier; then declaration order. */
function bySpecificity(a: CompiledRoute, b: CompiledRoute): number {
  if (a.literalCount !== b.literalCount) return b.literalCount - a.literalCount;
  const n = Math.min(a.literals.length, b.literals.length);
  for (let i = 0; i < n; i += 1) {
    const aLiteral = a.literals[i] !== undefined;
    const bLiteral = b.literals[i] !== undefined;
    if (aLiteral !== bLiteral) return aLiteral ? -1 : 1;
  }
  return a.order - b.order;
}
