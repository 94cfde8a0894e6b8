import {
  describeEquivalence,
  holds,
  type AcceptedDifference,
  type Equivalence,
} from '../shadow/accepted-differences.ts';
import { collapseFormattedPath } from '../shadow/compare/json-path.ts';
import { REDACTED } from '../shadow/redact-values.ts';
import { BadRequestError } from './bad-request-error.ts';
import type { DiffEntry } from './report-store.ts';

/** What QA chose when accepting a group: one equivalence for each of its differences. */
export interface AcceptChoice {
  readonly equivalence: Equivalence;
  /** For `numeric`: the largest absolute difference accepted. */
  readonly tolerance?: number;
}

/**
 * The rule an accepted group becomes: for each of its differences (kind and collapsed path), the
 * chosen equivalence, with the exact pair taken from the group's newest sample. Refused (every
 * problem named) when the rule would not even make that sample equal, or when an exact pair is not
 * known (no sample, or values masked as personal data).
 */
export function acceptedDifferencesFor(
  groupPaths: readonly { readonly path: string; readonly kind: string }[],
  sampleDiffs: readonly DiffEntry[] | undefined,
  choice: AcceptChoice,
): AcceptedDifference[] {
  const problems: string[] = [];
  const accepted = groupPaths.map(({ path, kind }): AcceptedDifference => {
    const seen = sampleDiffs?.find((d) => d.kind === kind && collapseFormattedPath(d.path) === path);
    const rule: AcceptedDifference = {
      path,
      kind,
      equivalence: choice.equivalence,
      ...(choice.equivalence === 'numeric' ? { tolerance: choice.tolerance ?? 0 } : {}),
      ...(choice.equivalence === 'exact' ? { legacy: seen?.legacy, new: seen?.new } : {}),
    };
    if (choice.equivalence === 'ignore-member') return rule;
    if (seen === undefined) {
      problems.push(`no sample shows the values at ${path}: accept it as "ignore this member"`);
    } else if (seen.legacy === REDACTED || seen.new === REDACTED) {
      problems.push(`the values at ${path} are personal data and not kept: choose another rule`);
    } else if (!holds(rule, seen.legacy, seen.new)) {
      problems.push(
        `"${describeEquivalence(rule)}" does not hold at ${path}: legacy ${JSON.stringify(seen.legacy)}, new ${JSON.stringify(seen.new)}`,
      );
    }
    return rule;
  });
  if (problems.length > 0) throw new BadRequestError(problems);
  return accepted;
}
