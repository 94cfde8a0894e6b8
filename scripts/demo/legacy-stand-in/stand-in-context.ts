/* What the stand-in's endpoints share: their context, the request they answer, paging and conflicts. */
import type http from 'node:http';

import type { Kysely } from 'kysely';

import type { LegacyDatabase } from '../../../adapters/schema.ts';
import { sendJson, type ModelErrors } from './aspnet-json.ts';

/** What every endpoint of the stand-in works with: its database, clock, id source and error answers. */
export interface StandInContext {
  readonly db: Kysely<LegacyDatabase>;
  clock(): Date;
  /** Now as a datetime2(7) literal. */
  timestamp(): string;
  newGuid(): string;
  problem(res: http.ServerResponse, status: number, detail?: string): void;
  validationProblem(res: http.ServerResponse, errors: ModelErrors): void;
}

/** One request with its body read in full. */
export interface Exchange {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly query: URLSearchParams;
  readonly body: Buffer;
  /** The caller's organisation, which every query is scoped to; undefined when the stand-in runs open. */
  readonly organisationId: string | undefined;
}

/**
 * Two concurrent writers both pass the existence check; the unique index stops the second, which must
 * still get the 409 the check would have given. PostgreSQL reports SQLSTATE 23505, SQL Server error
 * 2627 (unique constraint) or 2601 (unique index).
 */
export function conflictOnUniqueViolation<T>(conflict: T): (error: unknown) => T {
  return (error: unknown) => {
    if (typeof error === 'object' && error !== null) {
      const { code, number } = error as { code?: unknown; number?: unknown };
      if (code === '23505' || number === 2627 || number === 2601) return conflict;
    }
    throw error;
  };
}

/**
 * Skip((page - 1) * pageSize) in C#'s int arithmetic: past int.MaxValue it wraps negative, and the
 * database refuses the negative OFFSET, so legacy answers such a page with its empty 500.
 */
export function skipped(page: { page: number; pageSize: number }): number {
  return Math.imul(page.page - 1, page.pageSize);
}

/** A page's queries: the count of every matching row, and the rows of one window. */
export interface PageQueries<Row> {
  count(): Promise<{ readonly Total: number | string }>;
  rows(window: { offset: number; fetch: number }): Promise<readonly Row[]>;
}

/** One page as the legacy answers it: its rows as DTOs, and the count of all of them in X-Total-Count. */
export async function sendPage<Row>(
  x: Exchange,
  page: { page: number; pageSize: number },
  queries: PageQueries<Row>,
  toDto: (row: Row) => unknown,
): Promise<void> {
  const total = await queries.count();
  const rows = await queries.rows({ offset: skipped(page), fetch: page.pageSize });
  sendJson(x.res, 200, rows.map(toDto), { 'X-Total-Count': String(Number(total.Total)) });
}

/** datetime2(7) literal 'YYYY-MM-DD HH:MM:SS.fffffff' (UTC), accepted by both engines. */
export function toDateTime2Text(date: Date): string {
  return `${date.toISOString().slice(0, 23).replace('T', ' ')}0000`;
}
