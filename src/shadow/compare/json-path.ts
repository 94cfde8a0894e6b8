/**
 * A small subset of JSONPath (RFC 9535) for naming places in a response: `$`, `.name`, `['name']`,
 * `[3]`, `[*]`, `.*` and the descendant operator `..`. Enough for ignore rules such as
 * `$.Items[*].UpdatedAt` or `$..traceId`; filters and slices are deliberately not supported.
 */

/** One step from the root: an object key, an array index, or an array element matched by a key value. */
export type PathSegment = string | number | KeyedElement;

/** An element of an array compared as a set, named by its key (`[Id=42]`) instead of its position. */
export interface KeyedElement {
  readonly key: string;
  readonly value: string;
}

type Token =
  | { readonly t: 'key'; readonly name: string }
  | { readonly t: 'index'; readonly index: number }
  | { readonly t: 'any' }
  | { readonly t: 'descend' };

export interface PathPattern {
  readonly source: string;
  readonly tokens: readonly Token[];
  /** Whether the pattern has a `..`: without one it names paths of exactly its own length. */
  readonly descends: boolean;
}

export class PathPatternError extends Error {
  override readonly name = 'PathPatternError';
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*/;

export function compilePathPattern(source: string): PathPattern {
  if (!source.startsWith('$')) throw new PathPatternError(`path "${source}" must start with $`);
  const tokens: Token[] = [];
  let i = 1;
  while (i < source.length) {
    const rest = source.slice(i);
    if (rest.startsWith('..')) {
      tokens.push({ t: 'descend' });
      i += 2;
      if (source[i] === '[') continue;
      i += readMember(source, i, tokens);
    } else if (rest.startsWith('.')) {
      i += 1;
      i += readMember(source, i, tokens);
    } else if (rest.startsWith('[')) {
      i += readBracket(source, i, tokens);
    } else {
      throw new PathPatternError(`path "${source}": unexpected "${rest[0] ?? ''}" at ${i}`);
    }
  }
  if (tokens.at(-1)?.t === 'descend') throw new PathPatternError(`path "${source}" ends with ..`);
  return { source, tokens, descends: tokens.some((token) => token.t === 'descend') };
}

function readMember(source: string, at: number, tokens: Token[]): number {
  if (source[at] === '*') {
    tokens.push({ t: 'any' });
    return 1;
  }
  const match = IDENTIFIER.exec(source.slice(at));
  if (match === null) throw new PathPatternError(`path "${source}": expected a member name at ${at}`);
  tokens.push({ t: 'key', name: match[0] });
  return match[0].length;
}

function readBracket(source: string, at: number, tokens: Token[]): number {
  const close = source.indexOf(']', at);
  if (close === -1) throw new PathPatternError(`path "${source}": unclosed [ at ${at}`);
  const inner = source.slice(at + 1, close).trim();
  if (inner === '*') tokens.push({ t: 'any' });
  else if (/^\d+$/.test(inner)) tokens.push({ t: 'index', index: Number(inner) });
  else if (/^'(?:[^'\\]|\\.)*'$/.test(inner) || /^"(?:[^"\\]|\\.)*"$/.test(inner)) {
    tokens.push({ t: 'key', name: inner.slice(1, -1).replace(/\\(.)/g, '$1') });
  } else throw new PathPatternError(`path "${source}": unsupported selector [${inner}]`);
  return close - at + 1;
}

function tokenMatches(token: Token, segment: PathSegment): boolean {
  switch (token.t) {
    case 'any':
      return true;
    case 'key':
      return segment === token.name;
    case 'index':
      return segment === token.index;
    case 'descend':
      return false;
  }
}

function matchFrom(
  tokens: readonly Token[],
  ti: number,
  segments: readonly PathSegment[],
  si: number,
): boolean {
  if (ti === tokens.length) return si === segments.length;
  const token = tokens[ti] as Token;
  if (token.t === 'descend') {
    for (let s = si; s < segments.length; s++) {
      if (matchFrom(tokens, ti + 1, segments, s)) return true;
    }
    return false;
  }
  const segment = segments[si];
  if (segment === undefined || !tokenMatches(token, segment)) return false;
  return matchFrom(tokens, ti + 1, segments, si + 1);
}

/** True when the pattern names exactly this location (not an ancestor or descendant of it). */
export function matchesPath(pattern: PathPattern, segments: readonly PathSegment[]): boolean {
  // The comparison asks this at every node of a body: settle most answers on the last step and the
  // length before walking the pattern (a pattern never ends with `..`).
  const { tokens } = pattern;
  if (tokens.length === 0) return segments.length === 0;
  const last = segments.at(-1);
  if (last === undefined || !tokenMatches(tokens.at(-1) as Token, last)) return false;
  if (!pattern.descends && tokens.length !== segments.length) return false;
  return matchFrom(tokens, 0, segments, 0);
}

export function matchesAny(patterns: readonly PathPattern[], segments: readonly PathSegment[]): boolean {
  for (const pattern of patterns) if (matchesPath(pattern, segments)) return true;
  return false;
}

/** A member name as a path step: `.name` for an identifier, `['odd key']` otherwise. */
export function formatKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `['${key.replace(/['\\]/g, '\\$&')}']`;
}

/** `$.Items[3].Score`; keyed set elements print as `[Id=42]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '$';
  for (const segment of segments) {
    if (typeof segment === 'string') out += formatKey(segment);
    else if (typeof segment === 'number') out += `[${segment}]`;
    else out += `[${segment.key}=${segment.value.replace(/[\\\]']/g, '\\$&')}]`;
  }
  return out;
}

/** Array positions collapsed to `[*]`, so the same field in different elements groups together. */
export function formatCollapsedPath(segments: readonly PathSegment[]): string {
  let out = '$';
  for (const segment of segments) out += typeof segment === 'string' ? formatKey(segment) : '[*]';
  return out;
}

/**
 * Collapses the indexes of an already formatted path (`$.Items[3].Score` → `$.Items[*].Score`).
 * Quoted member names (`['a[1]']`) are left alone.
 */
export function collapseFormattedPath(path: string): string {
  return path.replace(/\['(?:[^'\\]|\\.)*'\]|\[(?:[^\]'\\]|\\.)*\]/g, (m) =>
    m.startsWith("['") ? m : '[*]',
  );
}
