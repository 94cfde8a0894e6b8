import { compilePathPattern, PathPatternError, type PathPattern } from './json-path.ts';

/**
 * Where a normalisation applies: `true` for the whole body, or a list of path patterns
 * (`$.Items[*].Id`, `$..CreatedAt`).
 */
export type PathSelector = true | readonly string[];

export interface SetArrayRule {
  /** Path of the array, e.g. `$.Items`. */
  readonly path: string;
  /** Member of each element that identifies it, e.g. `Id`. */
  readonly key: string;
}

export interface DateToleranceRule {
  readonly path: string;
  readonly nanoseconds: number;
}

export interface NumericToleranceRule {
  readonly path: string;
  /** |legacy − new| ≤ absolute counts as equal. */
  readonly absolute?: number;
  /** |legacy − new| ≤ relative × max(|legacy|, |new|) counts as equal. */
  readonly relative?: number;
}

/**
 * Per-route comparison rules (a route's `shadow.compare`). Everything is opt-in: with no rules, two
 * responses match only when status, content-type and the JSON value are the same.
 */
export interface CompareRules {
  /** Response headers compared (case-insensitive names). Default: `['content-type']`. */
  readonly headers?: readonly string[];
  /** Locations whose value (and subtree) is never compared. */
  readonly ignore?: readonly string[];
  /** Arrays whose order does not matter: elements are paired by the value of `key`. */
  readonly arraysAsSets?: readonly SetArrayRule[];
  readonly numericTolerance?: readonly NumericToleranceRule[];
  /** GUID strings equal regardless of letter case (.NET writes lower case, some stores upper). */
  readonly guidCaseInsensitive?: PathSelector;
  /** ISO 8601 date-times equal when they name the same instant (precision and offset may differ). */
  readonly equivalentDates?: PathSelector;
  /**
   * Date-times equal when their instants are at most `nanoseconds` apart. Azure SQL's datetime2(7) has
   * 100 ns ticks and PostgreSQL microseconds, so a value legacy wrote reads back from the new side
   * rounded: `…:30.1234567` becomes `…:30.1234570` (500 ns covers it).
   */
  readonly dateTolerance?: readonly DateToleranceRule[];
  /**
   * Objects whose member order must be the same. Off by default because JSON objects are unordered,
   * but some legacy clients read members positionally; turn it on for those routes.
   */
  readonly keyOrder?: PathSelector;
  /**
   * Personal-data locations masked before a sample is stored (see redact.ts). Personal data in the
   * path is the route record's `redactPathParams`.
   */
  readonly redactPaths?: readonly string[];
}

/** Every rule a route may set: any other member is reported (a misspelt rule would go unnoticed). */
const RULE_NAMES: readonly (keyof CompareRules)[] = [
  'headers',
  'ignore',
  'arraysAsSets',
  'numericTolerance',
  'guidCaseInsensitive',
  'equivalentDates',
  'dateTolerance',
  'keyOrder',
  'redactPaths',
];

export interface CompiledSelector {
  readonly all: boolean;
  readonly patterns: readonly PathPattern[];
}

export interface CompiledCompareRules {
  readonly source: CompareRules;
  readonly headers: readonly string[];
  readonly ignore: readonly PathPattern[];
  readonly arraysAsSets: readonly { readonly pattern: PathPattern; readonly key: string }[];
  readonly numericTolerance: readonly {
    readonly pattern: PathPattern;
    readonly absolute: number;
    readonly relative: number;
  }[];
  readonly guidCaseInsensitive: CompiledSelector;
  readonly equivalentDates: CompiledSelector;
  readonly dateTolerance: readonly { readonly pattern: PathPattern; readonly nanoseconds: bigint }[];
  readonly keyOrder: CompiledSelector;
  readonly redactPaths: readonly PathPattern[];
  /** True when no body rule exists, so the walk can skip all path matching. */
  readonly plain: boolean;
}

export class CompareRulesError extends Error {
  override readonly name = 'CompareRulesError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid comparison rules: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

export const DEFAULT_COMPARED_HEADERS: readonly string[] = ['content-type'];

const NONE: CompiledSelector = { all: false, patterns: [] };

/**
 * Validates and compiles rules, reporting every problem at once. Routes keep rules as `unknown`
 * (src/routing/route.ts), so this is also the type guard for `ShadowSettings.compare`.
 */
export function compileCompareRules(input: unknown): CompiledCompareRules {
  const rules = (input ?? {}) as CompareRules;
  if (typeof rules !== 'object' || Array.isArray(rules))
    throw new CompareRulesError(['rules must be an object']);
  const c = new RuleCompiler();
  for (const name of Object.keys(rules)) {
    if (!(RULE_NAMES as readonly string[]).includes(name))
      c.problems.push(`unknown rule "${name}" (known: ${RULE_NAMES.join(', ')})`);
  }
  const headers = c.headers(rules.headers);
  const arraysAsSets = c.each('arraysAsSets', rules.arraysAsSets, (rule, where) => {
    const pattern = c.pattern(rule?.path, where);
    if (typeof rule?.key !== 'string' || rule.key === '') c.problems.push(`${where}: key is required`);
    else if (pattern !== undefined) return { pattern, key: rule.key };
    return undefined;
  });
  const numericTolerance = c.each('numericTolerance', rules.numericTolerance, (rule, where) => {
    const pattern = c.pattern(rule?.path, where);
    const absolute = rule?.absolute ?? 0;
    const relative = rule?.relative ?? 0;
    const valid = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;
    if (!valid(absolute) || !valid(relative)) {
      c.problems.push(`${where}: absolute and relative must be non-negative numbers`);
    } else if (absolute === 0 && relative === 0) {
      c.problems.push(`${where}: give absolute or relative`);
    } else if (pattern !== undefined) return { pattern, absolute, relative };
    return undefined;
  });
  const dateTolerance = c.each('dateTolerance', rules.dateTolerance, (rule, where) => {
    const pattern = c.pattern(rule?.path, where);
    const nanoseconds: unknown = rule?.nanoseconds;
    if (typeof nanoseconds !== 'number' || !Number.isSafeInteger(nanoseconds) || nanoseconds < 0) {
      c.problems.push(`${where}: nanoseconds must be a non-negative integer`);
    } else if (pattern !== undefined) return { pattern, nanoseconds: BigInt(nanoseconds) };
    return undefined;
  });
  const compiled: CompiledCompareRules = {
    source: rules,
    headers,
    ignore: c.patterns(rules.ignore, 'ignore'),
    arraysAsSets,
    numericTolerance,
    guidCaseInsensitive: c.selector(rules.guidCaseInsensitive, 'guidCaseInsensitive'),
    equivalentDates: c.selector(rules.equivalentDates, 'equivalentDates'),
    dateTolerance,
    keyOrder: c.selector(rules.keyOrder, 'keyOrder'),
    redactPaths: c.patterns(rules.redactPaths, 'redactPaths'),
    plain: false,
  };
  if (c.problems.length > 0) throw new CompareRulesError(c.problems);
  return { ...compiled, plain: hasNoBodyRule(compiled) };
}

/** Compiles the parts of a rules object, collecting what is wrong with them in `problems`. */
class RuleCompiler {
  readonly problems: string[] = [];

  pattern(source: unknown, where: string): PathPattern | undefined {
    if (typeof source !== 'string') {
      this.problems.push(`${where}: path must be a string`);
      return undefined;
    }
    try {
      return compilePathPattern(source);
    } catch (error: unknown) {
      if (error instanceof PathPatternError) {
        this.problems.push(`${where}: ${error.message}`);
        return undefined;
      }
      throw error;
    }
  }

  patterns(list: unknown, where: string): PathPattern[] {
    if (list === undefined) return [];
    if (!Array.isArray(list)) {
      this.problems.push(`${where} must be an array of paths`);
      return [];
    }
    return list.flatMap((p: unknown, i) => this.pattern(p, `${where}[${i}]`) ?? []);
  }

  selector(value: unknown, where: string): CompiledSelector {
    if (value === undefined || value === false) return NONE;
    if (value === true) return { all: true, patterns: [] };
    return { all: false, patterns: this.patterns(value, where) };
  }

  headers(value: CompareRules['headers']): readonly string[] {
    if (value === undefined) return DEFAULT_COMPARED_HEADERS;
    if (!Array.isArray(value) || value.some((h) => typeof h !== 'string' || h === '')) {
      this.problems.push('headers must be an array of header names');
      return DEFAULT_COMPARED_HEADERS;
    }
    return [...new Set(value.map((h) => h.toLowerCase()))];
  }

  /** Each rule of a list through `compile`, which reports its own problems (and then returns undefined). */
  each<R, T>(
    name: string,
    list: readonly R[] | undefined,
    compile: (rule: R | undefined, where: string) => T | undefined,
  ): T[] {
    if (list === undefined) return [];
    if (!Array.isArray(list)) {
      this.problems.push(`${name} must be an array`);
      return [];
    }
    return list.flatMap((rule, i) => compile(rule, `${name}[${i}]`) ?? []);
  }
}

/** True when no body rule exists, so the walk can skip all path matching. */
function hasNoBodyRule(compiled: CompiledCompareRules): boolean {
  const none = (selector: CompiledSelector) => !selector.all && selector.patterns.length === 0;
  return (
    compiled.ignore.length === 0 &&
    compiled.arraysAsSets.length === 0 &&
    compiled.numericTolerance.length === 0 &&
    compiled.dateTolerance.length === 0 &&
    none(compiled.guidCaseInsensitive) &&
    none(compiled.equivalentDates) &&
    none(compiled.keyOrder)
  );
}

const cache = new WeakMap<object, CompiledCompareRules>();
const EMPTY_RULES: CompareRules = {};

/** Compiles once per rules object (route records are immutable, so their rules are too). */
export function compiledRulesFor(
  rules: CompareRules | CompiledCompareRules | undefined,
): CompiledCompareRules {
  if (rules !== undefined && 'plain' in rules && 'source' in rules) return rules as CompiledCompareRules;
  const key = (rules ?? EMPTY_RULES) as object;
  let compiled = cache.get(key);
  if (compiled === undefined) {
    compiled = compileCompareRules(key);
    cache.set(key, compiled);
  }
  return compiled;
}
