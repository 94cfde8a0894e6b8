import { createHash } from 'node:crypto';
import type { CapturedHeaders, CapturedResponse } from '../captured-exchange.ts';
import {
  compiledRulesFor,
  type CompareRules,
  type CompiledCompareRules,
  type CompiledSelector,
} from './compare-rules.ts';
import { fingerprintOf } from './fingerprint.ts';
import { formatPath, matchesAny, matchesPath, type PathSegment } from './json-path.ts';

/**
 * `changed`: same type, different value; `type`: different JSON types; `missing`: only legacy has it;
 * `added`: only new has it; `order`: same members in a different order (only with a `keyOrder` rule).
 */
export type DifferenceKind = 'changed' | 'missing' | 'added' | 'type' | 'order';

/**
 * One difference. `path` is `status`, `headers.<name>`, `body` (non-JSON bodies, compared by SHA-256)
 * or a JSON path into the body such as `$.Items[3].Score`.
 */
export interface Difference {
  readonly path: string;
  readonly kind: DifferenceKind;
  readonly legacy: unknown;
  readonly new: unknown;
}

export interface ComparisonResult {
  readonly equal: boolean;
  readonly differences: readonly Difference[];
  /** Groups comparisons with the same differing locations; undefined when equal. */
  readonly fingerprint: string | undefined;
  /** More than `maxDifferences` differences: the list stops there (the fingerprint covers the list). */
  readonly truncated: boolean;
}

export interface CompareOptions {
  /** Default 100: a wholesale difference (an error page instead of JSON) should not produce thousands. */
  readonly maxDifferences?: number;
}

/**
 * Compares legacy's response with the new side's: status, the rule's headers and the body (JSON as a
 * structural diff after the route's normalisation rules, anything else by hash). Pure and synchronous;
 * used by the shadow runner and by contract tests.
 */
export function compareExchanges(
  legacy: CapturedResponse,
  candidate: CapturedResponse,
  rules?: CompareRules | CompiledCompareRules,
  options: CompareOptions = {},
): ComparisonResult {
  const compiled = compiledRulesFor(rules);
  const walker = new Walker(compiled, options.maxDifferences ?? 100);
  if (legacy.status !== candidate.status) {
    walker.add({ path: 'status', kind: 'changed', legacy: legacy.status, new: candidate.status });
  }
  for (const name of compiled.headers) compareHeader(walker, name, legacy.headers, candidate.headers);
  compareBodies(walker, legacy, candidate);
  const differences = walker.differences;
  return {
    equal: differences.length === 0,
    differences,
    fingerprint: differences.length === 0 ? undefined : fingerprintOf(differences),
    truncated: walker.truncated,
  };
}

function headerValue(headers: CapturedHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(', ');
}

function normaliseHeader(name: string, value: string): string {
  // `application/json; charset=utf-8` and `application/json;charset=UTF-8` are the same media type
  // (RFC 9110 §8.3.1: type, subtype and charset are case-insensitive).
  return name === 'content-type'
    ? value
        .toLowerCase()
        .replace(/\s*;\s*/g, ';')
        .trim()
    : value;
}

function compareHeader(
  walker: Walker,
  name: string,
  legacy: CapturedHeaders,
  candidate: CapturedHeaders,
): void {
  const l = headerValue(legacy, name);
  const n = headerValue(candidate, name);
  if (l === n) return;
  const path = `headers.${name}`;
  if (l === undefined) walker.add({ path, kind: 'added', legacy: undefined, new: n });
  else if (n === undefined) walker.add({ path, kind: 'missing', legacy: l, new: undefined });
  else if (normaliseHeader(name, l) !== normaliseHeader(name, n)) {
    walker.add({ path, kind: 'changed', legacy: l, new: n });
  }
}

const NOT_JSON = Symbol('not-json');

/*
 * Number literals. Clients see the text of a number, not its value: .NET writes a decimal with its
 * scale (`5.0`), JavaScript writes `5`. JSON.parse keeps only the value, and its source-text reviver
 * is ten times slower than the whole comparison, so a scan over the text (skipping strings) rewrites
 * every literal JavaScript would print differently (`5.0`, `1e3`, `-0`, integers beyond double
 * precision) into a marked string before parsing. Bodies without one, the common case, parse as is.
 */
const NUMBER_MARK = '\u0000#n:';
const NUMBER_MARK_JSON = '\\u0000#n:';

export function markNonCanonicalNumbers(text: string): string {
  let parts: string[] | undefined;
  let last = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // Skip a string: most of a typical body is strings (ids, names, dates), and indexOf jumps to
      // the closing quote far faster than a loop over its characters.
      let close = text.indexOf('"', i + 1);
      while (close !== -1 && text.charCodeAt(close - 1) === 92 && escaped(text, close)) {
        close = text.indexOf('"', close + 1);
      }
      if (close === -1) break; // Unterminated: JSON.parse rejects it.
      i = close + 1;
      continue;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) j++;
        else break;
      }
      if (!printsAsWritten(text, i, j)) {
        const token = text.slice(i, j);
        if (token !== String(Number(token))) {
          (parts ??= []).push(text.slice(last, i), '"', NUMBER_MARK_JSON, token, '"');
          last = j;
        }
      }
      i = j;
      continue;
    }
    i++;
  }
  return parts === undefined ? text : parts.join('') + text.slice(last);
}

/** Whether the quote at `at` is escaped: preceded by an odd number of backslashes. */
function escaped(text: string, at: number): boolean {
  let backslashes = 0;
  for (let k = at - 1; k >= 0 && text.charCodeAt(k) === 92; k--) backslashes++;
  return backslashes % 2 === 1;
}

/**
 * A quick, allocation-free "JavaScript prints this literal exactly as written" for the literals APIs
 * mostly send: integers and plain decimals of at most 15 significant digits (any such decimal survives
 * the round trip through a double, DBL_DIG) with no leading zero, no trailing fractional zero, no
 * exponent and not `-0`, and a magnitude of at least 1e-6 (below that JavaScript prints an exponent).
 * `false` means "not sure": the caller then compares with `String(Number(token))`.
 */
function printsAsWritten(text: string, start: number, end: number): boolean {
  let i = start;
  if (text.charCodeAt(i) === 45) i++;
  const intStart = i;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  const intDigits = i - intStart;
  if (intDigits === 0) return false;
  const zeroInteger = text.charCodeAt(intStart) === 48;
  if (zeroInteger && intDigits > 1) return false;
  if (i === end) return intDigits <= 15 && !(zeroInteger && start !== intStart);
  if (text.charCodeAt(i) !== 46) return false;
  i++;
  const fracStart = i;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  if (i !== end || i === fracStart || text.charCodeAt(end - 1) === 48) return false;
  if (!zeroInteger) return intDigits + (end - fracStart) <= 15;
  let leadingZeros = 0;
  while (text.charCodeAt(fracStart + leadingZeros) === 48) leadingZeros++;
  return leadingZeros <= 5 && end - fracStart - leadingZeros <= 15;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isMarkedNumber(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(NUMBER_MARK);
}

function parseJsonBody(response: CapturedResponse): unknown {
  const body = response.body;
  if (body.length === 0) return NOT_JSON;
  const type = headerValue(response.headers, 'content-type');
  if (type !== undefined && !type.toLowerCase().includes('json')) return NOT_JSON;
  try {
    // A UTF-8 byte order mark is legal before JSON text (RFC 8259 §8.1 lets a parser ignore it).
    const text = body.toString('utf8');
    return JSON.parse(
      markNonCanonicalNumbers(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text),
    ) as unknown;
  } catch {
    // Declared JSON that does not parse is compared by hash like any other body.
    return NOT_JSON;
  }
}

/** Values as they appear in a Difference: literal-kept numbers back to plain JSON values. */
function plain(value: unknown): unknown {
  if (isMarkedNumber(value)) return Number(value.slice(NUMBER_MARK.length));
  if (Array.isArray(value)) return value.some(needsPlain) ? value.map(plain) : value;
  if (value !== null && typeof value === 'object') {
    if (!needsPlain(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

function needsPlain(value: unknown): boolean {
  if (isMarkedNumber(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(needsPlain);
}

function sha256(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

function compareBodies(walker: Walker, legacy: CapturedResponse, candidate: CapturedResponse): void {
  if (legacy.body.equals(candidate.body)) return;
  const l = parseJsonBody(legacy);
  const n = parseJsonBody(candidate);
  if (l !== NOT_JSON && n !== NOT_JSON) {
    walker.walk(l, n, []);
    return;
  }
  walker.add({
    path: 'body',
    kind: (l === NOT_JSON) === (n === NOT_JSON) ? 'changed' : 'type',
    legacy: l === NOT_JSON ? sha256(legacy.body) : l,
    new: n === NOT_JSON ? sha256(candidate.body) : n,
  });
}

type JsonType = 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean';

function jsonType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (isMarkedNumber(value)) return 'number';
  return typeof value as JsonType;
}

function numberValue(value: unknown): number {
  return isMarkedNumber(value) ? Number(value.slice(NUMBER_MARK.length)) : (value as number);
}

function numberSource(value: unknown): string {
  return isMarkedNumber(value) ? value.slice(NUMBER_MARK.length) : String(value);
}

/**
 * 8-4-4-4-12 hex digits of either case, checked by hand: the regular expression cost more than the rest
 * of pairing a set's elements by their ids.
 */
function isGuid(value: string): boolean {
  if (value.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = value.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) {
      return false;
    }
  }
  return true;
}
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * The instant an ISO 8601 date-time names, at nanosecond precision, so `…10:00:00Z`,
 * `…10:00:00.0000000Z` (.NET's `O` format) and `…12:00:00+02:00` compare equal. A value without an
 * offset is a wall-clock time, never equal to one with an offset: a client would read them differently.
 */
export function instantOf(value: string): string | undefined {
  const instant = instantNanos(value);
  return instant === undefined ? undefined : `${instant.clock}:${instant.nanos}`;
}

/** The same instant as nanoseconds since the epoch, and whether it is UTC or a wall-clock time. */
export function instantNanos(value: string): { clock: 'utc' | 'local'; nanos: bigint } | undefined {
  const m = DATE_TIME.exec(value);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Only real calendar values: Date.UTC would roll 2024-13-01 into 2025-01-01 and read year 0050 as 1950.
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  const wall = date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000;
  const fraction = BigInt((frac ?? '').padEnd(9, '0'));
  if (zone === undefined) return { clock: 'local', nanos: BigInt(wall) * 1_000_000n + fraction };
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes =
      (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * (zone[0] === '-' ? -1 : 1);
  }
  return { clock: 'utc', nanos: BigInt(wall - offsetMinutes * 60_000) * 1_000_000n + fraction };
}

const MAX_DEPTH = 256;
const TOO_DEEP = `[nested deeper than ${MAX_DEPTH} levels]`;

/** Exact equality (number literals included) with an explicit stack: no depth limit. */
function deepEqual(l: unknown, n: unknown): boolean {
  const stack: [unknown, unknown][] = [[l, n]];
  for (let pair = stack.pop(); pair !== undefined; pair = stack.pop()) {
    const [a, b] = pair;
    if (a === b) continue;
    const type = jsonType(a);
    if (type !== jsonType(b)) return false;
    if (type === 'number') {
      if (numberSource(a) !== numberSource(b)) return false;
    } else if (type === 'array') {
      const aa = a as unknown[];
      const bb = b as unknown[];
      if (aa.length !== bb.length) return false;
      for (let i = 0; i < aa.length; i++) stack.push([aa[i], bb[i]]);
    } else if (type === 'object') {
      const ao = a as Record<string, unknown>;
      const bo = b as Record<string, unknown>;
      const keys = Object.keys(ao);
      if (keys.length !== Object.keys(bo).length) return false;
      for (const key of keys) {
        if (!Object.hasOwn(bo, key)) return false;
        stack.push([ao[key], bo[key]]);
      }
    } else {
      return false;
    }
  }
  return true;
}

class Walker {
  readonly differences: Difference[] = [];
  truncated = false;
  private readonly rules: CompiledCompareRules;
  private readonly max: number;

  constructor(rules: CompiledCompareRules, max: number) {
    this.rules = rules;
    this.max = max;
  }

  add(difference: Difference): void {
    if (this.differences.length >= this.max) {
      this.truncated = true;
      return;
    }
    this.differences.push(
      typeof difference.legacy === 'object' ||
        typeof difference.new === 'object' ||
        isMarkedNumber(difference.legacy) ||
        isMarkedNumber(difference.new)
        ? { ...difference, legacy: plain(difference.legacy), new: plain(difference.new) }
        : difference,
    );
  }

  private selected(selector: CompiledSelector, path: readonly PathSegment[]): boolean {
    return selector.all || (selector.patterns.length > 0 && matchesAny(selector.patterns, path));
  }

  private ignored(path: readonly PathSegment[]): boolean {
    return !this.rules.plain && this.rules.ignore.length > 0 && matchesAny(this.rules.ignore, path);
  }

  /** `path` is a stack shared by the whole walk: pushed and popped, copied only into a Difference. */
  walk(l: unknown, n: unknown, path: PathSegment[]): void {
    if (this.truncated || this.ignored(path)) return;
    if (path.length > MAX_DEPTH) {
      // Responses can echo client input; a body nested thousands deep must not overflow the stack.
      if (!deepEqual(l, n))
        this.add({ path: formatPath(path), kind: 'changed', legacy: TOO_DEEP, new: TOO_DEEP });
      return;
    }
    const lt = jsonType(l);
    const nt = jsonType(n);
    if (lt !== nt) {
      this.add({ path: formatPath(path), kind: 'type', legacy: l, new: n });
      return;
    }
    switch (lt) {
      case 'object':
        this.walkObject(l as Record<string, unknown>, n as Record<string, unknown>, path);
        return;
      case 'array':
        this.walkArray(l as unknown[], n as unknown[], path);
        return;
      case 'number': {
        if (l === n) return;
        const lv = numberValue(l);
        const nv = numberValue(n);
        if (lv !== nv) {
          if (!this.withinTolerance(lv, nv, path))
            this.add({ path: formatPath(path), kind: 'changed', legacy: lv, new: nv });
          return;
        }
        // Same value, different text (`5.0` and `5`): a client reading the text sees the change. A
        // tolerance rule on the path says only the value matters there.
        const ls = numberSource(l);
        const ns = numberSource(n);
        if (ls !== ns && !this.hasTolerance(path)) {
          this.add({ path: formatPath(path), kind: 'changed', legacy: ls, new: ns });
        }
        return;
      }
      case 'string':
        if (l !== n && !this.equivalentStrings(l as string, n as string, path)) {
          this.add({ path: formatPath(path), kind: 'changed', legacy: l, new: n });
        }
        return;
      default:
        if (l !== n) this.add({ path: formatPath(path), kind: 'changed', legacy: l, new: n });
    }
  }

  private walkObject(l: Record<string, unknown>, n: Record<string, unknown>, path: PathSegment[]): void {
    for (const key in l) {
      path.push(key);
      if (Object.hasOwn(n, key)) this.walk(l[key], n[key], path);
      else if (!this.ignored(path))
        this.add({ path: formatPath(path), kind: 'missing', legacy: l[key], new: undefined });
      path.pop();
    }
    for (const key in n) {
      if (Object.hasOwn(l, key)) continue;
      path.push(key);
      if (!this.ignored(path))
        this.add({ path: formatPath(path), kind: 'added', legacy: undefined, new: n[key] });
      path.pop();
    }
    if (!this.rules.plain && this.selected(this.rules.keyOrder, path)) {
      // Only members both sides have: a missing member is already reported. Note that JavaScript
      // objects list integer-like keys first, so their position cannot be checked this way.
      const lOrder = Object.keys(l).filter((k) => Object.hasOwn(n, k) && !this.ignoredChild(path, k));
      const nOrder = Object.keys(n).filter((k) => Object.hasOwn(l, k) && !this.ignoredChild(path, k));
      if (lOrder.some((k, i) => nOrder[i] !== k)) {
        this.add({ path: formatPath(path), kind: 'order', legacy: lOrder, new: nOrder });
      }
    }
  }

  private ignoredChild(path: PathSegment[], key: string): boolean {
    path.push(key);
    const ignored = this.ignored(path);
    path.pop();
    return ignored;
  }

  private walkArray(l: unknown[], n: unknown[], path: PathSegment[]): void {
    const setRule = this.rules.plain
      ? undefined
      : this.rules.arraysAsSets.find((r) => matchesPath(r.pattern, path));
    if (setRule !== undefined) {
      this.walkSet(l, n, setRule.key, path);
      return;
    }
    const common = Math.min(l.length, n.length);
    for (let i = 0; i < common; i++) {
      path.push(i);
      this.walk(l[i], n[i], path);
      path.pop();
    }
    for (let i = common; i < l.length; i++) {
      path.push(i);
      if (!this.ignored(path))
        this.add({ path: formatPath(path), kind: 'missing', legacy: l[i], new: undefined });
      path.pop();
    }
    for (let i = common; i < n.length; i++) {
      path.push(i);
      if (!this.ignored(path))
        this.add({ path: formatPath(path), kind: 'added', legacy: undefined, new: n[i] });
      path.pop();
    }
  }

  /**
   * Pairs elements by the value of `key` (duplicates pair in order). Elements without the key are
   * identified by their whole JSON text, so they still compare as set members.
   */
  private walkSet(l: unknown[], n: unknown[], key: string, path: PathSegment[]): void {
    const identity = (element: unknown): string => {
      if (element !== null && typeof element === 'object' && !Array.isArray(element)) {
        const v = (element as Record<string, unknown>)[key];
        if (isMarkedNumber(v)) return String(numberValue(v));
        if (v !== undefined && v !== null && typeof v !== 'object') {
          return typeof v === 'string' && isGuid(v) ? v.toLowerCase() : String(v);
        }
      }
      // No usable key: paired by its whole content, named by a digest of it (the content itself could
      // carry personal data into a stored path).
      return `#${createHash('sha256')
        .update(JSON.stringify(plain(element)))
        .digest('hex')
        .slice(0, 12)}`;
    };
    const byIdentity = new Map<string, unknown[]>();
    for (const element of n) {
      const id = identity(element);
      const list = byIdentity.get(id);
      if (list === undefined) byIdentity.set(id, [element]);
      else list.push(element);
    }
    for (const element of l) {
      const id = identity(element);
      path.push({ key, value: id });
      const candidates = byIdentity.get(id);
      if (candidates !== undefined && candidates.length > 0) {
        // Several elements share the key: an identical one pairs first, so reordered duplicates are equal.
        let at = 0;
        if (candidates.length > 1) {
          const text = JSON.stringify(plain(element));
          at = Math.max(
            0,
            candidates.findIndex((candidate) => JSON.stringify(plain(candidate)) === text),
          );
        }
        const [partner] = candidates.splice(at, 1);
        this.walk(element, partner, path);
      } else if (!this.ignored(path)) {
        this.add({ path: formatPath(path), kind: 'missing', legacy: element, new: undefined });
      }
      path.pop();
    }
    for (const [id, rest] of byIdentity) {
      for (const element of rest) {
        path.push({ key, value: id });
        if (!this.ignored(path))
          this.add({ path: formatPath(path), kind: 'added', legacy: undefined, new: element });
        path.pop();
      }
    }
  }

  private hasTolerance(path: readonly PathSegment[]): boolean {
    return !this.rules.plain && this.rules.numericTolerance.some((r) => matchesPath(r.pattern, path));
  }

  private withinTolerance(l: number, n: number, path: readonly PathSegment[]): boolean {
    if (this.rules.plain) return false;
    const rule = this.rules.numericTolerance.find((r) => matchesPath(r.pattern, path));
    if (rule === undefined) return false;
    const delta = Math.abs(l - n);
    // A little slack for binary floating point: 0.1 + 0.2 is within an absolute tolerance of 0.3.
    const epsilon = Number.EPSILON * Math.max(Math.abs(l), Math.abs(n), 1) * 4;
    return (
      delta <= rule.absolute + epsilon ||
      delta <= rule.relative * Math.max(Math.abs(l), Math.abs(n)) + epsilon
    );
  }

  private equivalentStrings(l: string, n: string, path: readonly PathSegment[]): boolean {
    if (this.rules.plain) return false;
    if (
      l.length === n.length &&
      this.selected(this.rules.guidCaseInsensitive, path) &&
      isGuid(l) &&
      l.toLowerCase() === n.toLowerCase()
    ) {
      return true;
    }
    const tolerance = this.rules.dateTolerance.find((r) => matchesPath(r.pattern, path));
    if (tolerance !== undefined) {
      const li = instantNanos(l);
      const ni = instantNanos(n);
      if (li === undefined || ni === undefined || li.clock !== ni.clock) return false;
      const gap = li.nanos - ni.nanos;
      return (gap < 0n ? -gap : gap) <= tolerance.nanoseconds;
    }
    if (this.selected(this.rules.equivalentDates, path)) {
      const li = instantOf(l);
      return li !== undefined && li === instantOf(n);
    }
    return false;
  }
}
