import { PATH_SEGMENT_MASK } from '../routing/redact-path.ts';
import { matchesPath, type PathPattern, type PathSegment } from './compare/json-path.ts';

/** What every masked value reads as, path segments included. */
export const REDACTED = PATH_SEGMENT_MASK;

/** Deeper than this a stored body is cut off: samples can echo client input, and masking recurses. */
const MAX_STORED_DEPTH = 256;

/**
 * `path` holds member names in lower case: personal-data paths match whatever case a client sends
 * (ASP.NET binds `email`, `Email` and `EMAIL` alike, and so do the new handlers).
 */
export function redactValue(value: unknown, path: PathSegment[], patterns: readonly PathPattern[]): unknown {
  if (path.length > MAX_STORED_DEPTH) return `[nested deeper than ${MAX_STORED_DEPTH} levels]`;
  if (path.length > 0 && patterns.length > 0 && patterns.some((p) => matchesPath(p, path))) return REDACTED;
  if (Array.isArray(value)) {
    return value.map((element, i) => redactValue(element, [...path, i], patterns));
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      out[key] = redactValue(child, [...path, key.toLowerCase()], patterns);
    }
    return out;
  }
  return value;
}

const caseless = new WeakMap<PathPattern, PathPattern>();

/** The same pattern with its member names in lower case, to match lower-cased paths. */
export function ignoringCase(pattern: PathPattern): PathPattern {
  let lower = caseless.get(pattern);
  if (lower === undefined) {
    lower = {
      ...pattern,
      tokens: pattern.tokens.map((token) =>
        token.t === 'key' ? { ...token, name: token.name.toLowerCase() } : token,
      ),
    };
    caseless.set(pattern, lower);
  }
  return lower;
}

export function lowerCased(segment: PathSegment): PathSegment {
  return typeof segment === 'string' ? segment.toLowerCase() : segment;
}
