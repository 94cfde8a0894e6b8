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

/** Where the comparison's parts report what they find (the walker, which keeps the list bounded). */
export interface DifferenceSink {
  add(difference: Difference): void;
}
