import type { CompiledCompareRules } from './compare-rules.ts';
import type { Difference, DifferenceSink } from './difference.ts';
import { equivalentStrings, hasTolerance, selected, withinTolerance } from './equivalences.ts';
import { formatPath, matchesAny, matchesPath, type PathSegment } from './json-path.ts';
import { deepEqual } from './json-values.ts';
import { isMarkedNumber, jsonType, numberSource, numberValue, plain } from './number-literals.ts';
import { elementsByIdentity, setIdentity, takePartner } from './set-pairing.ts';

const MAX_DEPTH = 256;
const TOO_DEEP = `[nested deeper than ${MAX_DEPTH} levels]`;

/**
 * Walks two parsed JSON bodies side by side under the route's rules, collecting at most `max`
 * differences (the status and header comparisons add theirs to the same list).
 */
export class JsonWalker implements DifferenceSink {
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

  private ignored(path: readonly PathSegment[]): boolean {
    return !this.rules.plain && this.rules.ignore.length > 0 && matchesAny(this.rules.ignore, path);
  }

  /** Reports a value only one side has, unless its path is ignored. */
  private oneSided(path: readonly PathSegment[], kind: 'missing' | 'added', value: unknown): void {
    if (this.ignored(path)) return;
    this.add(
      kind === 'missing'
        ? { path: formatPath(path), kind, legacy: value, new: undefined }
        : { path: formatPath(path), kind, legacy: undefined, new: value },
    );
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
      case 'number':
        this.compareNumbers(l, n, path);
        return;
      case 'string':
        if (l !== n && !equivalentStrings(this.rules, l as string, n as string, path)) {
          this.add({ path: formatPath(path), kind: 'changed', legacy: l, new: n });
        }
        return;
      default:
        if (l !== n) this.add({ path: formatPath(path), kind: 'changed', legacy: l, new: n });
    }
  }

  private compareNumbers(l: unknown, n: unknown, path: PathSegment[]): void {
    if (l === n) return;
    const lv = numberValue(l);
    const nv = numberValue(n);
    if (lv !== nv) {
      if (!withinTolerance(this.rules, lv, nv, path))
        this.add({ path: formatPath(path), kind: 'changed', legacy: lv, new: nv });
      return;
    }
    // Same value, different text (`5.0` and `5`): a client reading the text sees the change. A
    // tolerance rule on the path says only the value matters there.
    const ls = numberSource(l);
    const ns = numberSource(n);
    if (ls !== ns && !hasTolerance(this.rules, path)) {
      this.add({ path: formatPath(path), kind: 'changed', legacy: ls, new: ns });
    }
  }

  private walkObject(l: Record<string, unknown>, n: Record<string, unknown>, path: PathSegment[]): void {
    for (const key in l) {
      path.push(key);
      if (Object.hasOwn(n, key)) this.walk(l[key], n[key], path);
      else this.oneSided(path, 'missing', l[key]);
      path.pop();
    }
    for (const key in n) {
      if (Object.hasOwn(l, key)) continue;
      path.push(key);
      this.oneSided(path, 'added', n[key]);
      path.pop();
    }
    if (!this.rules.plain && selected(this.rules.keyOrder, path)) this.compareKeyOrder(l, n, path);
  }

  private compareKeyOrder(l: Record<string, unknown>, n: Record<string, unknown>, path: PathSegment[]): void {
    // Only members both sides have: a missing member is already reported. Note that JavaScript
    // objects list integer-like keys first, so their position cannot be checked this way.
    const lOrder = Object.keys(l).filter((k) => Object.hasOwn(n, k) && !this.ignoredChild(path, k));
    const nOrder = Object.keys(n).filter((k) => Object.hasOwn(l, k) && !this.ignoredChild(path, k));
    if (lOrder.some((k, i) => nOrder[i] !== k)) {
      this.add({ path: formatPath(path), kind: 'order', legacy: lOrder, new: nOrder });
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
      this.oneSided(path, 'missing', l[i]);
      path.pop();
    }
    for (let i = common; i < n.length; i++) {
      path.push(i);
      this.oneSided(path, 'added', n[i]);
      path.pop();
    }
  }

  /** Pairs elements by the value of `key` (see set-pairing.ts) and compares the pairs. */
  private walkSet(l: unknown[], n: unknown[], key: string, path: PathSegment[]): void {
    const byIdentity = elementsByIdentity(n, key);
    for (const element of l) {
      const id = setIdentity(element, key);
      path.push({ key, value: id });
      const candidates = byIdentity.get(id);
      if (candidates !== undefined && candidates.length > 0) {
        this.walk(element, takePartner(element, candidates), path);
      } else {
        this.oneSided(path, 'missing', element);
      }
      path.pop();
    }
    for (const [id, rest] of byIdentity) {
      for (const element of rest) {
        path.push({ key, value: id });
        this.oneSided(path, 'added', element);
        path.pop();
      }
    }
  }
}
