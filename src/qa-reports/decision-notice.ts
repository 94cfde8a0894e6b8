/*
 * The confirmation a page shows after a decision's redirect. The redirect carries only a code
 * (`?done=accepted`); the words are this table's, so a crafted link cannot put its own text on a page.
 */
const NOTICES = {
  accepted:
    'Accepted: occurrences of this difference no longer count as mismatches. The rule is listed below.',
  defect: 'Marked as a defect: the group counts as an open defect until it is fixed.',
  revoked: 'Rule revoked: its diff group is open again and its differences count as mismatches.',
  deleted: 'Diff group deleted with its samples. The audit log keeps the record.',
} as const;

export type Decided = keyof typeof NOTICES;

/** The query parameter a decision's redirect adds. */
export function decidedQuery(done: Decided): string {
  return `done=${done}`;
}

/** The confirmation for the page's `done` parameter, if it names a decision. */
export function decisionNotice(query: Readonly<Record<string, unknown>>): string | undefined {
  const done = query.done;
  return typeof done === 'string' && Object.hasOwn(NOTICES, done) ? NOTICES[done as Decided] : undefined;
}
