import type { Difference } from './compare/compare-exchanges.ts';
import { formatPath, matchesPath, type PathPattern, type PathSegment } from './compare/json-path.ts';
import { lowerCased, REDACTED, redactValue } from './redact-values.ts';

/**
 * Differences carry both sides' values, so they are masked by the same paths as bodies: a difference
 * in a masked header or under a personal-data path keeps only whether each side had a value, and set
 * element keys that are personal data are masked in the path itself.
 */
export function redactDifferences(
  differences: readonly Difference[],
  paths: readonly PathPattern[],
  headerNames: ReadonlySet<string>,
): Difference[] {
  return differences.map((d) => {
    if (d.path.startsWith('headers.')) {
      return headerNames.has(d.path.slice('headers.'.length)) ? mask(d) : d;
    }
    if (!d.path.startsWith('$') || paths.length === 0) return d;
    const parsed = parseFormattedPath(d.path);
    if (parsed === undefined) return mask(d);
    const segments = parsed.map(lowerCased);
    const path = parsed.some((segment) => typeof segment === 'object') ? maskedKeys(parsed, paths) : d.path;
    for (let end = 0; end <= segments.length; end++) {
      const prefix = segments.slice(0, end);
      if (paths.some((p) => matchesPath(p, prefix))) return { ...mask(d), path };
    }
    return {
      ...d,
      path,
      legacy: redactValue(d.legacy, segments, paths),
      new: redactValue(d.new, segments, paths),
    };
  });
}

function mask(d: Difference): Difference {
  return {
    ...d,
    legacy: d.legacy === undefined ? undefined : REDACTED,
    new: d.new === undefined ? undefined : REDACTED,
  };
}

/**
 * The path with the key value of every set element masked where that key is personal data: an array
 * compared as a set by `Email` names its elements `[Email=jo@example.com]`.
 */
function maskedKeys(segments: readonly PathSegment[], patterns: readonly PathPattern[]): string {
  const lower = segments.map(lowerCased);
  return formatPath(
    segments.map((segment, i) =>
      typeof segment === 'object' &&
      patterns.some((p) => matchesPath(p, [...lower.slice(0, i + 1), segment.key.toLowerCase()]))
        ? { key: segment.key, value: REDACTED }
        : segment,
    ),
  );
}

/** Reads a path printed by formatPath back into segments; undefined when it cannot be read. */
function parseFormattedPath(path: string): PathSegment[] | undefined {
  const segments: PathSegment[] = [];
  const token =
    /\.([A-Za-z_$][A-Za-z0-9_$]*)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]|\[([^=\]]+)=((?:[^\]\\]|\\.)*)\]/y;
  let at = 1;
  while (at < path.length) {
    token.lastIndex = at;
    const m = token.exec(path);
    if (m === null) return undefined;
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(m[2].replace(/\\(.)/g, '$1'));
    else if (m[3] !== undefined) segments.push(Number(m[3]));
    else segments.push({ key: m[4] ?? '', value: (m[5] ?? '').replace(/\\(.)/g, '$1') });
    at = token.lastIndex;
  }
  return segments;
}
