import { validatePolicy, validateStickiness } from './caller-validation.ts';
import { HTTP_METHODS, flagNameFor } from './route.ts';
import type { RouteRecord } from './route.ts';

const ROUTE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** RFC 3986 pchar without percent-encoding: literals are declared plainly. */
const LITERAL = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]+$/;
const KNOWN_METHODS: ReadonlySet<string> = new Set(HTTP_METHODS);

/** One template position: a lower-cased literal, or a parameter name. */
export type Segment = { readonly literal: string } | { readonly param: string };

/**
 * Checks one record, reporting every problem into `problems`; its template's segments when it has
 * none. `ids` and `claimed` carry what earlier records took (ids, and method + template shapes).
 */
export function validateRecord(
  record: RouteRecord,
  index: number,
  seen: { readonly ids: Map<string, number>; readonly claimed: Map<string, string> },
  problems: string[],
): Segment[] | undefined {
  const label =
    typeof record?.id === 'string' && record.id !== '' ? `route "${record.id}"` : `routes[${index}]`;
  const before = problems.length;
  const report = (problem: string): void => {
    problems.push(`${label}: ${problem}`);
  };
  if (typeof record !== 'object' || record === null) {
    problems.push(`routes[${index}]: not a route record`);
    return undefined;
  }
  validateId(record, index, seen.ids, report);
  if (record.flag !== flagNameFor(String(record.id))) {
    report(`flag must be "${flagNameFor(String(record.id))}" (got "${String(record.flag)}")`);
  }
  const methods = validateMethods(record.methods, report);
  const segments = parseTemplate(record.path, report);
  if (typeof record.handler !== 'function') report('handler must be a function');
  validateTimeout(record.legacyTimeoutMs, 'legacyTimeoutMs', report, true);
  validateTimeout(record.handlerTimeoutMs, 'handlerTimeoutMs', report, true);
  validateStickiness(record.stickiness, record.policy !== undefined, report);
  validatePolicy(record.policy, report);
  validateShadow(record.shadow, report);
  if (record.unsafeFallbackToLegacy !== undefined && typeof record.unsafeFallbackToLegacy !== 'boolean')
    report('unsafeFallbackToLegacy must be true or false');
  if (segments === undefined) return undefined;
  validateRedactPathParams(record.redactPathParams, segments, report);
  claimTemplate(record, methods, segments, seen.claimed, report);
  return problems.length === before ? segments : undefined;
}

/** Two routes may not answer the same method on equivalent templates (`/a/{x}` and `/a/{y}`). */
function claimTemplate(
  record: RouteRecord,
  methods: readonly string[],
  segments: readonly Segment[],
  claimed: Map<string, string>,
  report: Report,
): void {
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
