import { fingerprintOf } from './compare/fingerprint.ts';
import { instantOf } from './compare/instants.ts';
import { collapseFormattedPath } from './compare/json-path.ts';
import { plain } from './compare/number-literals.ts';

/**
 * What QA said is equivalent at one place of an accepted diff group:
 * `exact`: this legacy value and this new value, and no other pair; `ignore-case`: strings equal
 * ignoring letter case; `numeric`: numbers (or number texts) within `tolerance`; `instant`: date-times
 * naming the same instant; `ignore-member`: any difference of this kind here.
 */
export type Equivalence = 'exact' | 'ignore-case' | 'numeric' | 'instant' | 'ignore-member';
export const EQUIVALENCES: readonly Equivalence[] = [
  'exact',
  'ignore-case',
  'numeric',
  'instant',
  'ignore-member',
];

/** One accepted difference: its kind, its path (array positions as `[*]`) and the rule that makes it equal. */
export interface AcceptedDifference {
  readonly path: string;
  readonly kind: string;
  /** Absent in rules accepted before rules carried values: those ignore the member (`ignore-member`). */
  readonly equivalence?: Equivalence;
  /** `exact`: the pair accepted, as stored in the group's sample. */
  readonly legacy?: unknown;
  readonly new?: unknown;
  /** `numeric`: the largest absolute difference accepted. */
  readonly tolerance?: number;
}

/**
 * QA's accepted differences for a route (src/qa-reports: ReportStore.loadAcceptedRules). Each entry
 * is one difference of an accepted diff group: its kind, its path with array positions as `[*]` (a
 * JSON path, `status`, `headers.<name>` or `body`) and what counts as equal there.
 */
export interface AcceptedDifferences {
  readonly differences: readonly AcceptedDifference[];
  /**
   * Fingerprints of groups accepted before rules carried values and whose differences are unknown:
   * such a group still matches whole.
   */
  readonly fingerprints: readonly string[];
}

const indexOf = new WeakMap<AcceptedDifferences, ReadonlyMap<string, readonly AcceptedDifference[]>>();

/**
 * The differences QA has not accepted (all of them when nothing is accepted; none when every one is,
 * and the comparison then counts as a match).
 *
 * A difference is accepted only where its kind and location match an accepted one and its values
 * satisfy that one's equivalence: accepting "centre back" → "Centre Back" as equal ignoring case leaves
 * "ZZZ" → "Centre Back" at the same path a difference. Never a subtree: accepting "member order
 * differs at `$`" must not hide a value difference under `$`. A comparison that shows an accepted
 * difference next to a new one is grouped by the new one alone.
 */
export function unacceptedDifferences<
  D extends {
    readonly path: string;
    readonly kind: string;
    readonly legacy?: unknown;
    readonly new?: unknown;
  },
>(accepted: AcceptedDifferences | undefined, differences: readonly D[]): readonly D[] {
  if (accepted === undefined || differences.length === 0) return differences;
  if (accepted.fingerprints.length > 0 && accepted.fingerprints.includes(fingerprintOf(differences)))
    return [];
  let index = indexOf.get(accepted);
  if (index === undefined) {
    const built = new Map<string, AcceptedDifference[]>();
    for (const a of accepted.differences) {
      const key = `${a.kind} ${a.path}`;
      built.set(key, [...(built.get(key) ?? []), a]);
    }
    indexOf.set(accepted, (index = built));
  }
  if (index.size === 0) return differences;
  const known = index;
  return differences.filter((d) => {
    const rules = known.get(`${d.kind} ${collapseFormattedPath(d.path)}`);
    return rules === undefined || !rules.some((rule) => holds(rule, d.legacy, d.new));
  });
}

/** Whether the rule makes this pair of values equal. */
export function holds(rule: AcceptedDifference, legacyValue: unknown, newValue: unknown): boolean {
  const l = plain(legacyValue);
  const n = plain(newValue);
  switch (rule.equivalence ?? 'ignore-member') {
    case 'ignore-member':
      return true;
    case 'exact':
      return sameJson(l, rule.legacy) && sameJson(n, rule.new);
    case 'ignore-case':
      return typeof l === 'string' && typeof n === 'string' && l.toLowerCase() === n.toLowerCase();
    case 'numeric': {
      const a = numeric(l);
      const b = numeric(n);
      // A little slack for binary floating point, as the comparison's own tolerances allow.
      const epsilon = Number.EPSILON * Math.max(Math.abs(a), Math.abs(b), 1) * 4;
      return Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= (rule.tolerance ?? 0) + epsilon;
    }
    case 'instant':
      return (
        typeof l === 'string' &&
        typeof n === 'string' &&
        instantOf(l) !== undefined &&
        instantOf(l) === instantOf(n)
      );
  }
}

/** The rule in words, for QA's pages and exports. */
export function describeEquivalence(rule: AcceptedDifference): string {
  switch (rule.equivalence ?? 'ignore-member') {
    case 'ignore-member':
      return `${rule.kind} ignored (any value)`;
    case 'exact':
      return `exactly ${JSON.stringify(rule.legacy) ?? 'nothing'} (legacy) → ${JSON.stringify(rule.new) ?? 'nothing'} (new)`;
    case 'ignore-case':
      return 'equal ignoring case';
    case 'numeric':
      return `equal as numbers within ${rule.tolerance ?? 0}`;
    case 'instant':
      return 'equal as instants';
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A JSON number, or the text of one (how a difference in number formatting is reported); NaN otherwise. */
function numeric(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value)) return Number(value);
  return Number.NaN;
}
