import type { CapturedHeaders, CapturedRequest, CapturedResponse } from './captured-exchange.ts';
import type { Difference } from './compare/compare-exchanges.ts';
import { maskPathSegments } from '../routing/redact-path.ts';
import { compilePathPattern, type PathPattern } from './compare/json-path.ts';
import { storedBody, type StoredBody } from './redact-body.ts';
import { redactDifferences } from './redact-differences.ts';
import { ignoringCase, REDACTED } from './redact-values.ts';

export { REDACTED } from './redact-values.ts';

/** Never stored, whatever the configuration says: a stored sample must not let anyone act as its caller. */
export const ALWAYS_REDACTED_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
];

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

  return {
    request(request, routePaths, pathSegments) {
      return {
        method: request.method,
        path: pathSegments === undefined ? request.path : maskPathSegments(request.path, pathSegments),
        query: redactQuery(request.query, queryNames),
        headers: redactHeaders(request.headers, headerNames),
        ...storedBody(request.body, contentType(request.headers), pathsFor(routePaths)),
      };
    },
    response(response, routePaths) {
      return {
        status: response.status,
        headers: redactHeaders(response.headers, headerNames),
        ...storedBody(response.body, contentType(response.headers), pathsFor(routePaths)),
      };
    },
    differences: (differences, routePaths) =>
      redactDifferences(differences, pathsFor(routePaths), headerNames),
  };
}

function redactHeaders(
  input: CapturedHeaders,
  names: ReadonlySet<string>,
): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    out[lower] = names.has(lower)
      ? typeof value === 'string'
        ? REDACTED
        : value.map(() => REDACTED)
      : value;
  }
  return out;
}

function redactQuery(raw: string, names: ReadonlySet<string>): string {
  if (raw === '' || names.size === 0) return raw;
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
      return names.has(decoded.toLowerCase()) ? `${name}=${encodeURIComponent(REDACTED)}` : pair;
    })
    .join('&');
}

function contentType(h: CapturedHeaders): string | undefined {
  const v = h['content-type'];
  return typeof v === 'string' ? v : v?.[0];
}
