import type pg from 'pg';

import { endSpanWithError, SpanKind, startSpanUnderActive } from './tracing.ts';

type Query = (...args: unknown[]) => unknown;

/**
 * A client span per query, under whatever span is active (a new handler, a sync batch); a query run
 * outside any span, or while tracing is off, goes straight through. The span carries the statement as
 * sent, with its `$n` placeholders: parameter values (personal data) never reach a span.
 */
export function traceQueries(client: pg.ClientBase): void {
  const query = client.query.bind(client) as Query;
  const traced: Query = (...args) => {
    const text = args[0];
    const span =
      typeof text === 'string'
        ? startSpanUnderActive(operationOf(text), SpanKind.CLIENT, {
            'db.system.name': 'postgresql',
            'db.query.text': text,
          })
        : undefined;
    const result = query(...args);
    if (span !== undefined && result instanceof Promise) {
      result.then(
        (rows: unknown) => {
          const count = (rows as { rowCount?: unknown } | undefined)?.rowCount;
          if (typeof count === 'number') span.setAttribute('db.response.returned_rows', count);
          span.end();
        },
        (error: unknown) => endSpanWithError(span, error),
      );
    } else span?.end();
    return result;
  };
  (client as unknown as { query: Query }).query = traced;
}

/** The statement's first keyword (SELECT, INSERT, BEGIN…): the span's name, as the conventions ask. */
function operationOf(text: string): string {
  const keyword = /^\s*([A-Za-z]+)/.exec(text)?.[1];
  return keyword === undefined ? 'query' : keyword.toUpperCase();
}
