import { createHash } from 'node:crypto';
import { collapseFormattedPath } from './json-path.ts';

/**
 * Groups diffs that are "the same problem": the set of differing locations and kinds, array positions
 * collapsed, so a rounding bug in `Items[0].Score` and `Items[7].Score` lands in one group.
 */
export function fingerprintOf(
  differences: readonly { readonly path: string; readonly kind: string }[],
): string {
  const parts = new Set<string>();
  for (const d of differences) parts.add(`${d.kind} ${collapseFormattedPath(d.path)}`);
  const hash = createHash('sha256');
  for (const part of [...parts].sort()) hash.update(part).update('\n');
  return hash.digest('hex').slice(0, 32);
}
