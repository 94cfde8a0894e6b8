/*
 * A request target in origin form is `path [ "?" query ]` (RFC 9112 §3.2.1,
 * https://www.rfc-editor.org/rfc/rfc9112#section-3.2.1); the query starts at the first `?`.
 */

/** The path part of a request target, without its query. */
export function pathOf(target: string): string {
  const queryAt = target.indexOf('?');
  return queryAt === -1 ? target : target.slice(0, queryAt);
}

/** The query part of a request target without its `?`; empty when there is none. */
export function queryOf(target: string): string {
  const queryAt = target.indexOf('?');
  return queryAt === -1 ? '' : target.slice(queryAt + 1);
}
