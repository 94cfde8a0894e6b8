import type { CapturedResponse } from '../captured-exchange.ts';
import { compareBodies } from './compare-bodies.ts';
import { compareHeader } from './compare-headers.ts';
import { compiledRulesFor, type CompareRules, type CompiledCompareRules } from './compare-rules.ts';
import type { Difference } from './difference.ts';
import { fingerprintOf } from './fingerprint.ts';
import { JsonWalker } from './json-walker.ts';

export type { Difference, DifferenceKind } from './difference.ts';

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
  const walker = new JsonWalker(compiled, options.maxDifferences ?? 100);
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
