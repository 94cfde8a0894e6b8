import { createHash } from 'node:crypto';
import type { CapturedHeaders, CapturedRequest, CapturedResponse } from './captured-exchange.ts';
import type { Difference } from './compare/compare-exchanges.ts';
import { maskPathSegments, PATH_SEGMENT_MASK } from '../routing/redact-path.ts';
import {
  compilePathPattern,
  formatPath,
  matchesPath,
  type PathPattern,
  type PathSegment,
} from './compare/json-path.ts';

/** What every masked value reads as, path segments included. */
export const REDACTED = PATH_SEGMENT_MASK;

/** Never stored, whatever the configuration says: a stored sample must not let anyone act as its caller. */
export const ALWAYS_REDACTED_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
];

/**
 * How a body was kept. The stored `body` is what QA reports display (src/qa-reports reads it): the
 * parsed JSON value, the text, nothing (empty), or for an omitted body a one-line description.
 */
export type StoredBodyKind = 'empty' | 'json' | 'text' | 'omitted';

interface StoredBody {
  readonly body?: unknown;
  readonly bodyKind: StoredBodyKind;
  /** For omitted bodies: enough to tell two bodies apart without keeping them. */
  readonly bodySha256?: string;
  readonly bodyBytes?: number;
}

export interface StoredRequest extends StoredBody {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
}

export interface StoredResponse extends StoredBody {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
}

export interface RedactionOptions {
  /** Extra header names to mask (case-insensitive), on top of the credentials above. */
  readonly headers?: readonly string[];
  /** Query parameters whose values are masked (e.g. `email`, `access_token`). */
  readonly queryParameters?: readonly string[];
  /** Personal-data JSON locations masked in every route's bodies, e.g. `$..Email`. */
  readonly jsonPaths?: readonly string[];
}

/** Per-route additions, from the route's comparison rules (`redactPaths`, already compiled). */
export type RoutePersonalData = readonly PathPattern[];

export interface Redactor {
  /**
   * `pathSegments`: positions (0 = the first segment after the leading `/`) of path segments that
   * carry personal data, masked in the stored path (the route's redactPathParams; see
   * src/routing/redact-path.ts).
   */
  request(
    request: CapturedRequest,
    routePaths?: RoutePersonalData,
    pathSegments?: readonly number[],
  ): StoredRequest;
  response(response: CapturedResponse, routePaths?: RoutePersonalData): StoredResponse;
  /** Differences carry both sides' values, so they are masked by the same paths. */
  differences(differences: readonly Difference[], routePaths?: RoutePersonalData): Difference[];
}

const TEXT_TYPES = /^(text\/|application\/(xml|x-www-form-urlencoded|javascript))|\+xml/;

/**
 * Masks secrets and personal data before anything leaves memory for the store. Samples are attacker
 * input too, but escaping them is the report's job; this only decides what is kept.
 */
export function createRedactor(options: RedactionOptions = {}): Redactor {
  const headerNames = new Set([
    ...ALWAYS_REDACTED_HEADERS,
    ...(options.headers ?? []).map((h) => h.toLowerCase()),
  ]);
  const queryNames = new Set((options.queryParameters ?? []).map((q) => q.toLowerCase()));
  const globalPaths = (options.jsonPaths ?? []).map((path) => ignoringCase(compilePathPattern(path)));
  const pathsFor = (routePaths: RoutePersonalData | undefined) =>
    routePaths === undefined || routePaths.length === 0
      ? globalPaths
      : [...globalPaths, ...routePaths.map(ignoringCase)];

  const headers = (input: CapturedHeaders): Record<string, string | readonly string[]> => {
    const out: Record<string, string | readonly string[]> = {};
    for (const [name, value] of Object.entries(input)) {
      if (value === undefined) continue;
      const lower = name.toLowerCase();
      out[lower] = headerNames.has(lower)
        ? typeof value === 'string'
          ? REDACTED
          : value.map(() => REDACTED)
        : value;
    }
    return out;
  };

  const query = (raw: string): string => {
    if (raw === '' || queryNames.size === 0) return raw;
    return raw
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        const name = eq === -1 ? pair : pair.slice(0, eq);
        let decoded = name;
        try {
          decoded = decodeURIComponent(name.replace(/\+/g, ' '));
        } catch {
          // A malformed escape is compared by its raw name.
        }
        return queryNames.has(decoded.toLowerCase()) ? `${name}=${encodeURIComponent(REDACTED)}` : pair;
      })
      .join('&');
  };

  const body = (raw: Buffer, contentType: string | undefined, paths: readonly PathPattern[]): StoredBody => {
    if (raw.length === 0) return { bodyKind: 'empty' };
    const type = (contentType ?? '').toLowerCase();
    if (type.includes('json') || type === '') {
      try {
        return {
          bodyKind: 'json',
          body: redactValue(JSON.parse(raw.toString('utf8')) as unknown, [], paths),
        };
      } catch {
        // Not JSON after all: handled below like any other body.
      }
    }
    const omitted = (reason: string): StoredBody => {
      const sha256 = createHash('sha256').update(raw).digest('hex');
      return {
        bodyKind: 'omitted',
        body: `[body not kept: ${reason}; ${raw.length} bytes, sha256 ${sha256}]`,
        bodySha256: sha256,
        bodyBytes: raw.length,
      };
    };
    // Personal-data rules are JSON paths; a route that has them may carry the same data in a text body
    // where no path can find it, so its text bodies are not kept.
    if (paths.length > 0) return omitted('route has personal-data rules; only JSON bodies can be masked');
    if (!TEXT_TYPES.test(type)) return omitted('binary body');
    return { bodyKind: 'text', body: raw.toString('utf8') };
  };

  const contentType = (h: CapturedHeaders): string | undefined => {
    const v = h['content-type'];
    return typeof v === 'string' ? v : v?.[0];
  };

  return {
    request(request, routePaths, pathSegments) {
      const paths = pathsFor(routePaths);
      return {
        method: request.method,
        path: pathSegments === undefined ? request.path : maskPathSegments(request.path, pathSegments),
        query: query(request.query),
        headers: headers(request.headers),
        ...body(request.body, contentType(request.headers), paths),
      };
    },
    response(response, routePaths) {
      const paths = pathsFor(routePaths);
      return {
        status: response.status,
        headers: headers(response.headers),
        ...body(response.body, contentType(response.headers), paths),
      };
    },
    differences(differences, routePaths) {
      const paths = pathsFor(routePaths);
      return differences.map((d) => {
        if (d.path.startsWith('headers.')) {
          return headerNames.has(d.path.slice('headers.'.length)) ? mask(d) : d;
        }
        if (!d.path.startsWith('$') || paths.length === 0) return d;
        const parsed = parseFormattedPath(d.path);
        if (parsed === undefined) return mask(d);
        const segments = parsed.map(lowerCased);
        const path = parsed.some((segment) => typeof segment === 'object')
          ? maskedKeys(parsed, paths)
          : d.path;
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
    },
  };
}

function mask(d: Difference): Difference {
  return {
    ...d,
    legacy: d.legacy === undefined ? undefined : REDACTED,
    new: d.new === undefined ? undefined : REDACTED,
  };
}

/** Deeper than this a stored body is cut off: samples can echo client input, and masking recurses. */
const MAX_STORED_DEPTH = 256;

/**
 * `path` holds member names in lower case: personal-data paths match whatever case a client sends
 * (ASP.NET binds `email`, `Email` and `EMAIL` alike, and so do the new handlers).
 */
function redactValue(value: unknown, path: PathSegment[], patterns: readonly PathPattern[]): unknown {
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
function ignoringCase(pattern: PathPattern): PathPattern {
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

function lowerCased(segment: PathSegment): PathSegment {
  return typeof segment === 'string' ? segment.toLowerCase() : segment;
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
