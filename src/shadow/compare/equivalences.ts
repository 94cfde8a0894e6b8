import type { CompiledCompareRules, CompiledSelector } from './compare-rules.ts';
import { instantNanos, instantOf } from './instants.ts';
import { isGuid } from './json-values.ts';
import { matchesAny, matchesPath, type PathSegment } from './json-path.ts';

/*
 * What the route's rules let pass as equal although the values differ: numbers within a tolerance,
 * GUIDs in another letter case, date-times naming the same instant (or close enough).
 */

export function selected(selector: CompiledSelector, path: readonly PathSegment[]): boolean {
  return selector.all || (selector.patterns.length > 0 && matchesAny(selector.patterns, path));
}

export function hasTolerance(rules: CompiledCompareRules, path: readonly PathSegment[]): boolean {
  return !rules.plain && rules.numericTolerance.some((r) => matchesPath(r.pattern, path));
}

export function withinTolerance(
  rules: CompiledCompareRules,
  l: number,
  n: number,
  path: readonly PathSegment[],
): boolean {
  if (rules.plain) return false;
  const rule = rules.numericTolerance.find((r) => matchesPath(r.pattern, path));
  if (rule === undefined) return false;
  const delta = Math.abs(l - n);
  // A little slack for binary floating point: 0.1 + 0.2 is within an absolute tolerance of 0.3.
  const epsilon = Number.EPSILON * Math.max(Math.abs(l), Math.abs(n), 1) * 4;
  return (
    delta <= rule.absolute + epsilon || delta <= rule.relative * Math.max(Math.abs(l), Math.abs(n)) + epsilon
  );
}

export function equivalentStrings(
  rules: CompiledCompareRules,
  l: string,
  n: string,
  path: readonly PathSegment[],
): boolean {
  if (rules.plain) return false;
  if (
    l.length === n.length &&
    selected(rules.guidCaseInsensitive, path) &&
    isGuid(l) &&
    l.toLowerCase() === n.toLowerCase()
  ) {
    return true;
  }
  const tolerance = rules.dateTolerance.find((r) => matchesPath(r.pattern, path));
  if (tolerance !== undefined) {
    const li = instantNanos(l);
    const ni = instantNanos(n);
    if (li === undefined || ni === undefined || li.clock !== ni.clock) return false;
    const gap = li.nanos - ni.nanos;
    return (gap < 0n ? -gap : gap) <= tolerance.nanoseconds;
  }
  if (selected(rules.equivalentDates, path)) {
    const li = instantOf(l);
    return li !== undefined && li === instantOf(n);
  }
  return false;
}
