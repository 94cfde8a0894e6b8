import { HTTP_METHODS, flagNameFor } from './route.ts';
import type { RouteMatch, RouteRecord, RouteTable } from './route.ts';
import { RouteValidationError } from './route-validation-error.ts';

/*
 * Matching rules (chosen to agree with the legacy ASP.NET Core app, so a route claims exactly the
 * requests legacy would have routed to the same action):
 * - Literal segments compare ASCII case-insensitively (ASP.NET Core routing is case-insensitive for
 *   literals); parameter values keep their case.
 * - One trailing slash is tolerated (`/api/athletes/` matches `/api/athletes`), as ASP.NET Core's
 *   routing does by design (aspnet/Mvc#5757). Empty segments elsewhere (`/api//athletes`) never
 *   match, as in ASP.NET Core (dotnet/aspnetcore#22809).
 * - Segments are compared percent-decoded; parameters are decoded with decodeURIComponent except
 *   `%2F`, which stays encoded exactly as ASP.NET Core leaves it in route values
 *   (dotnet/aspnetcore#30655, #11544), so a new handler sees the id legacy's controller saw. A
 *   malformed escape means "no match", so the request goes to legacy untouched instead of failing.
 * - HEAD does not match a GET route: ASP.NET Core's MapGet does not add HEAD either, so legacy keeps
 *   answering HEAD exactly as before.
 * - The most specific template wins: more literal segments first, then the template whose first
 *   literal comes earlier; ties cannot match the same path (equivalent templates are rejected).
 * - Nothing matched → undefined → the catch-all proxies to legacy.
 */

const ROUTE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** RFC 3986 pchar without percent-encoding: literals are declared plainly. */
const LITERAL = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]+$/;
/** RFC 9110 §5.6.2 token. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const KNOWN_METHODS: ReadonlySet<string> = new Set(HTTP_METHODS);
const SLASH = 47;

/** One template position: a lower-cased literal, or a parameter name. */
type Segment = { readonly literal: string } | { readonly param: string };

interface CompiledRoute {
  readonly route: RouteRecord;
  readonly order: number;
  /** Lower-cased literal per position, undefined where the template has a parameter. */
  readonly literals: readonly (string | undefined)[];
  /** Parameter name per position, undefined where the template has a literal. */
  readonly params: readonly (string | undefined)[];
  readonly literalCount: number;
}

/**
 * Validates every record (all problems at once), deep-freezes them and compiles the templates.
 * @throws RouteValidationError listing every problem.
 */
export function createRouteTable(records: readonly RouteRecord[]): RouteTable {
  const problems: string[] = [];
  const compiled: CompiledRoute[] = [];
  const ids = new Map<string, number>();
  const claimed = new Map<string, string>();

  records.forEach((record, index) => {
    const label =
      typeof record?.id === 'string' && record.id !== '' ? `route "${record.id}"` : `routes[${index}]`;
    const before = problems.length;
    const report = (problem: string): void => {
      problems.push(`${label}: ${problem}`);
    };
    if (typeof record !== 'object' || record === null) {
      problems.push(`routes[${index}]: not a route record`);
      return;
    }

    validateId(record, index, ids, report);
    if (record.flag !== flagNameFor(String(record.id))) {
      report(`flag must be "${flagNameFor(String(record.id))}" (got "${String(record.flag)}")`);
    }
    const methods = validateMethods(record.methods, report);
    const segments = parseTemplate(record.path, report);
    if (typeof record.handler !== 'function') report('handler must be a function');
    validateTimeout(record.legacyTimeoutMs, 'legacyTimeoutMs', report, true);
    validateTimeout(record.handlerTimeoutMs, 'handlerTimeoutMs', report, true);
    validateStickiness(record.stickiness, report);
    validateShadow(record.shadow, report);
    if (segments !== undefined) validateRedactPathParams(record.redactPathParams, segments, report);

    if (segments !== undefined) {
      const shape = segments.map((s) => ('literal' in s ? s.literal : '{}')).join('/');
      for (const method of methods) {
        const key = `${method} /${shape}`;
        const owner = claimed.get(key);
        if (owner === undefined) claimed.set(key, String(record.id));
        else if (owner !== record.id) {
          report(`${method} ${String(record.path)} is equivalent to a template of route "${owner}"`);
        }
      }
    }
    if (problems.length === before && segments !== undefined) {
      compiled.push({
        route: record,
        order: index,
        literals: segments.map((s) => ('literal' in s ? s.literal : undefined)),
        params: segments.map((s) => ('param' in s ? s.param : undefined)),
        literalCount: segments.filter((s) => 'literal' in s).length,
      });
    }
  });

  if (problems.length > 0) throw new RouteValidationError(problems);

  for (const record of records) deepFreeze(record);

  // Index by method, then by segment count, then by the literal at the position that tells the
  // bucket's templates apart best, so an unclaimed request costs a few Map lookups and a scan of the
  // path for slashes however many routes there are; no regex runs per request.
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

  const routes = Object.freeze([...records]);
  return Object.freeze({
    routes,
    match(method: string, rawPath: string): RouteMatch | undefined {
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
      const segments = count === 0 ? [] : rawPath.slice(1, end).split('/');
      let candidates = bucket.all;
      if (bucket.position >= 0) {
        const key = literalKey(segments[bucket.position] ?? '');
        candidates = (key === undefined ? undefined : bucket.byLiteral.get(key)) ?? bucket.paramOnly;
      }
      for (const candidate of candidates) {
        const params = matchSegments(candidate, segments);
        if (params !== undefined) return { route: candidate.route, params };
      }
      return undefined;
    },
  });
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

/**
 * The form a segment is compared to literals in. Literals are ASCII, so toLowerCase agrees with the
 * ASCII folding used to verify a match; a malformed escape can never equal a literal (undefined).
 */
function literalKey(segment: string): string | undefined {
  const decoded = segment.includes('%') ? safeDecode(segment) : segment;
  return decoded?.toLowerCase();
}

function matchSegments(
  candidate: CompiledRoute,
  segments: readonly string[],
): Readonly<Record<string, string>> | undefined {
  const { literals } = candidate;
  for (let i = 0; i < literals.length; i += 1) {
    const literal = literals[i];
    if (literal !== undefined && !literalMatches(segments[i] ?? '', literal)) return undefined;
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < literals.length; i += 1) {
    const name = candidate.params[i];
    if (name === undefined) continue;
    const segment = segments[i] ?? '';
    if (segment === '') return undefined;
    const value = segment.includes('%') ? decodeParam(segment) : segment;
    if (value === undefined) return undefined;
    params[name] = value;
  }
  return params;
}

function literalMatches(segment: string, literal: string): boolean {
  if (segment.length === literal.length && equalsIgnoreAsciiCase(segment, literal)) return true;
  if (segment.length <= literal.length || !segment.includes('%')) return false;
  const decoded = safeDecode(segment);
  return (
    decoded !== undefined && decoded.length === literal.length && equalsIgnoreAsciiCase(decoded, literal)
  );
}

/** ASP.NET Core compares literals with OrdinalIgnoreCase; ASCII folding avoids a per-request allocation. */
function equalsIgnoreAsciiCase(value: string, lowerLiteral: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    let c = value.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lowerLiteral.charCodeAt(i)) return false;
  }
  return true;
}

const ENCODED_SLASH = /%2F/gi;

/** Like ASP.NET Core: everything decoded but an encoded slash, which keeps its original spelling. */
function decodeParam(segment: string): string | undefined {
  return safeDecode(segment.replace(ENCODED_SLASH, (escape) => `%25${escape.slice(1)}`));
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch (error: unknown) {
    if (error instanceof URIError) return undefined;
    throw error;
  }
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

type Report = (problem: string) => void;

function validateId(record: RouteRecord, index: number, ids: Map<string, number>, report: Report): void {
  const id: unknown = record.id;
  if (typeof id !== 'string' || !ROUTE_ID.test(id)) {
    report(
      `id must be kebab-case (lower-case letters and digits joined by single hyphens), got ${JSON.stringify(id)}`,
    );
    return;
  }
  const first = ids.get(id);
  if (first !== undefined) report(`duplicate id (also routes[${first}])`);
  else ids.set(id, index);
}

function validateMethods(methods: unknown, report: Report): string[] {
  if (!Array.isArray(methods) || methods.length === 0) {
    report('methods must be a non-empty list');
    return [];
  }
  const seen = new Set<string>();
  for (const method of methods as unknown[]) {
    if (typeof method !== 'string' || !KNOWN_METHODS.has(method)) {
      report(`unknown method ${JSON.stringify(method)} (allowed: ${HTTP_METHODS.join(', ')})`);
    } else if (seen.has(method)) {
      report(`method ${method} listed twice`);
    } else {
      seen.add(method);
    }
  }
  return [...seen];
}

/** `redactPathParams` must name parameters of the route's own template. */
function validateRedactPathParams(names: unknown, segments: readonly Segment[], report: Report): void {
  if (names === undefined) return;
  if (!Array.isArray(names)) {
    report('redactPathParams must be an array of template parameter names');
    return;
  }
  const params = new Set(segments.flatMap((s) => ('param' in s ? [s.param.toLowerCase()] : [])));
  for (const name of names as unknown[]) {
    if (typeof name !== 'string' || !params.has(name.toLowerCase()))
      report(`redactPathParams: ${JSON.stringify(name)} is not a parameter of the path template`);
  }
}

/** Parses `/a/{id}/b`; undefined when the template is invalid (problems reported). */
function parseTemplate(path: unknown, report: Report): Segment[] | undefined {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    report(`path template must start with "/" (got ${JSON.stringify(path)})`);
    return undefined;
  }
  if (path === '/') return [];
  let valid = true;
  const fail = (problem: string): void => {
    report(`path template ${JSON.stringify(path)}: ${problem}`);
    valid = false;
  };
  const names = new Set<string>();
  const segments: Segment[] = [];
  path
    .slice(1)
    .split('/')
    .forEach((raw, position) => {
      if (raw === '') {
        fail(`empty segment at position ${position + 1} (no "//" and no trailing "/")`);
      } else if (raw.startsWith('{') && raw.endsWith('}')) {
        const name = raw.slice(1, -1);
        if (name === '__proto__') {
          // Parameters land in a plain object (faster than a null-prototype one on the hot path).
          fail('parameter name "__proto__" is reserved');
        } else if (!PARAM_NAME.test(name)) {
          fail(
            `parameter "${raw}" must be {name} with a letter/underscore then letters, digits, underscores`,
          );
        } else if (names.has(name.toLowerCase())) {
          fail(`parameter "${name}" used twice`);
        } else {
          names.add(name.toLowerCase());
          segments.push({ param: name });
        }
      } else if (raw.includes('{') || raw.includes('}')) {
        fail(`segment "${raw}": a parameter must be a whole segment`);
      } else if (!LITERAL.test(raw)) {
        fail(`segment "${raw}" has characters not allowed in a literal (no "%", "?", "#", spaces)`);
      } else {
        segments.push({ literal: raw.toLowerCase() });
      }
    });
  return valid ? segments : undefined;
}

/** The longest delay a node timer takes; above it node fires after 1 ms (every request would time out). */
const MAX_TIMER_MS = 2 ** 31 - 1;

function validateTimeout(value: unknown, field: string, report: Report, optional: boolean): void {
  if (value === undefined && optional) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    report(`${field} must be a positive number of milliseconds (got ${JSON.stringify(value)})`);
  } else if (value > MAX_TIMER_MS) {
    report(`${field} must be at most ${MAX_TIMER_MS} ms, about 24.8 days (got ${value})`);
  }
}

function validateStickiness(key: unknown, report: Report): void {
  if (typeof key !== 'object' || key === null) {
    report('stickiness key is required');
    return;
  }
  const { kind } = key as { kind?: unknown };
  if (kind === 'header') {
    const { name } = key as { name?: unknown };
    if (typeof name !== 'string' || !HEADER_NAME.test(name)) {
      report(`stickiness header name ${JSON.stringify(name)} is not a valid HTTP header name`);
    }
  } else if (kind === 'jwt-claim') {
    const { claim } = key as { claim?: unknown };
    if (typeof claim !== 'string' || claim.trim() === '') report('stickiness JWT claim must be non-empty');
  } else if (kind !== 'client-address') {
    report(`stickiness kind ${JSON.stringify(kind)} is not header, jwt-claim or client-address`);
  }
}

function validateShadow(shadow: unknown, report: Report): void {
  if (shadow === undefined) return;
  if (typeof shadow !== 'object' || shadow === null) {
    report('shadow settings must be an object');
    return;
  }
  const { sampleRate, captureLimitBytes, timeoutMs } = shadow as Record<string, unknown>;
  if (typeof sampleRate !== 'number' || !(sampleRate >= 0 && sampleRate <= 1)) {
    report(`shadow.sampleRate must be between 0 and 1 (got ${JSON.stringify(sampleRate)})`);
  }
  if (
    typeof captureLimitBytes !== 'number' ||
    !Number.isFinite(captureLimitBytes) ||
    captureLimitBytes <= 0
  ) {
    report(`shadow.captureLimitBytes must be a positive number (got ${JSON.stringify(captureLimitBytes)})`);
  }
  validateTimeout(timeoutMs, 'shadow.timeoutMs', report, false);
}

/**
 * Freezes the record and its plain data (arrays, plain objects). Handlers, class instances and
 * RegExps inside comparison rules are left alone: freezing them would break their own state.
 */
function deepFreeze(value: unknown, seen = new Set<object>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return;
  Object.freeze(value);
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key], seen);
}
