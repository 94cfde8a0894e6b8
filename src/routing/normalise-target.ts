/*
 * The path of a request target as legacy's Kestrel reads it, so that the route table and legacy always
 * see the same resource (measured on the ASP.NET app; the table is in docs/proxy.md):
 * - Dot segments are removed as RFC 3986 §5.2.4 says, after percent-decoding: `%2e` and `%2E` are
 *   dots (Kestrel decodes the path before it removes them). The rest of the path keeps its spelling.
 * - `%00` in the path is refused (Kestrel answers 400).
 * - A raw backslash is refused: it is not allowed in a URI (RFC 3986 §3.3), Kestrel reads it as a
 *   character but HTTP.sys (IIS, App Service on Windows) as a `/`, so no spelling we could forward is
 *   read the same by every legacy host. `%5C` is data to Kestrel and is forwarded as sent.
 * - Repeated slashes are left alone: Kestrel keeps them and ASP.NET routing matches no empty segment.
 */

const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;
const BACKSLASH = 0x5c;
const QUESTION = 0x3f;

/**
 * The target with its path normalised (the same string when there was nothing to do, which is the
 * common case and costs one scan without allocating), or undefined when Kestrel would refuse it.
 * Targets that are not in origin form (`*`) are returned as they are.
 */
export function normaliseTarget(target: string): string | undefined {
  if (target.charCodeAt(0) !== SLASH) return target;
  let end = target.length;
  let suspect = false;
  for (let i = 1; i < end; i += 1) {
    const c = target.charCodeAt(i);
    if (c === QUESTION) end = i;
    else if (c === PERCENT || c === BACKSLASH || (c === DOT && target.charCodeAt(i - 1) === SLASH)) {
      suspect = true;
    }
  }
  return suspect ? normaliseSuspect(target, end) : target;
}

function normaliseSuspect(target: string, end: number): string | undefined {
  const path = target.slice(0, end);
  if (path.includes('\\') || NUL.test(path)) return undefined;
  const segments = path.split('/');
  if (!segments.some((segment) => dotsOf(segment) > 0)) return target;
  return removeDotSegments(segments) + target.slice(end);
}

const NUL = /%00/;

/** 1 for `.`, 2 for `..` (any dot possibly percent-encoded), 0 for any other segment. */
function dotsOf(segment: string): number {
  if (segment.length === 0 || segment.length > 6) return 0;
  const decoded = segment.length > 2 ? segment.replace(ENCODED_DOT, '.') : segment;
  return decoded === '.' ? 1 : decoded === '..' ? 2 : 0;
}

const ENCODED_DOT = /%2e/gi;

/**
 * RFC 3986 §5.2.4 over the segments of an absolute path (`segments[0]` is the empty string before the
 * first `/`): `.` is dropped, `..` drops the segment before it (never above the root), and a path that
 * ends in either ends in `/`, as Kestrel's in-place version does.
 */
function removeDotSegments(segments: readonly string[]): string {
  const output: string[] = [];
  const last = segments.length - 1;
  for (let i = 1; i <= last; i += 1) {
    const segment = segments[i] ?? '';
    const dots = dotsOf(segment);
    if (dots === 0) output.push(segment);
    else {
      if (dots === 2) output.pop();
      if (i === last) output.push('');
    }
  }
  return `/${output.join('/')}`;
}
