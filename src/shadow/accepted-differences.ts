import { fingerprintOf } from './compare/fingerprint.ts';
import { collapseFormattedPath } from './compare/json-path.ts';

/**
 * QA's accepted differences for a route (src/qa-reports: ReportStore.loadAcceptedRules). Each entry
 * is one difference of an accepted diff group: its kind and its path with array positions as `[*]`
 * (a JSON path, `status`, `headers.<name>` or `body`).
 */
export interface AcceptedDifferences {
  readonly differences: readonly { readonly path: string; readonly kind: string }[];
  /** The accepted groups' fingerprints: a rule whose group's differences are unknown still matches whole. */
  readonly fingerprints: readonly string[];
}

const keysOf = new WeakMap<AcceptedDifferences, ReadonlySet<string>>();

/**
 * The differences QA has not accepted (all of them when nothing is accepted; none when every one is,
 * and the comparison then counts as a match).
 *
 * An accepted difference is dropped by its exact kind and location, never as a subtree: accepting
 * "member order differs at `$`" or "`$.Items` changed type" must not hide a later value difference
 * under `$` or inside `$.Items`. A comparison that shows an accepted difference next to a new one is
 * grouped by the new one alone, as if the accepted one had not happened.
 */
export function unacceptedDifferences<D extends { readonly path: string; readonly kind: string }>(
  accepted: AcceptedDifferences | undefined,
  differences: readonly D[],
): readonly D[] {
  if (accepted === undefined || differences.length === 0) return differences;
  if (accepted.fingerprints.length > 0 && accepted.fingerprints.includes(fingerprintOf(differences)))
    return [];
  let keys = keysOf.get(accepted);
  if (keys === undefined) {
    keys = new Set(accepted.differences.map((d) => `${d.kind} ${d.path}`));
    keysOf.set(accepted, keys);
  }
  if (keys.size === 0) return differences;
  const known = keys;
  return differences.filter((d) => !known.has(`${d.kind} ${collapseFormattedPath(d.path)}`));
}
