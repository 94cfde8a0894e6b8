import type pg from 'pg';

import type { AthleteValues } from '../../scripts/demo/legacy-stand-in/legacy-queries.ts';
import { legacyWrite } from '../sync/testing/sync-races.ts';

/*
 * The writes of the HTTP race suite, each returning what its client saw: a PUT or DELETE over HTTP
 * (through strangler's public port, or straight to legacy's Kestrel), or direct SQL on legacy's
 * database as a DBA would type it. A write is committed when its status says so (2xx, or a SQL
 * statement that found its row); its value is the first name it wrote.
 */

export type WriteKind = 'new-put' | 'legacy-put' | 'legacy-soft-delete' | 'sql-update' | 'sql-delete';

export interface RaceWrite {
  readonly kind: WriteKind;
  /** HTTP status, or 0 for SQL. */
  readonly status: number;
  readonly committed: boolean;
  /** The first name written; null for a delete. */
  readonly value: string | null;
  /** The row's version after the write (a hard delete: the version it removed); null when unknown. */
  readonly version: number | null;
}

/** A PUT or POST body, as legacy's CreateAthleteRequest / UpdateAthleteRequest bind it. */
export type AthleteBody = AthleteValues;

export interface HttpSide {
  readonly base: URL;
  readonly authorization: string;
}

async function call(side: HttpSide, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(new URL(path, side.base), {
    method,
    headers: {
      authorization: side.authorization,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** PUT /api/athletes/{id} with a new first name. */
export async function putAthlete(
  side: HttpSide,
  kind: 'new-put' | 'legacy-put',
  id: string,
  body: AthleteBody,
): Promise<RaceWrite> {
  const res = await call(side, 'PUT', `/api/athletes/${id}`, body);
  const text = await res.text();
  const committed = res.status >= 200 && res.status < 300;
  const version = committed ? Number((JSON.parse(text) as { Version: number }).Version) : null;
  return { kind, status: res.status, committed, value: body.FirstName, version };
}

/** DELETE /api/athletes/{id} on legacy: a soft delete (IsActive false, Version + 1). */
export async function softDelete(side: HttpSide, id: string): Promise<RaceWrite> {
  const res = await call(side, 'DELETE', `/api/athletes/${id}`);
  await res.arrayBuffer();
  const committed = res.status === 204;
  return { kind: 'legacy-soft-delete', status: res.status, committed, value: null, version: null };
}

/** `UPDATE … Version = Version + 1` or a hard `DELETE` on legacy, its transaction held open `holdMs`. */
export async function sqlWrite(
  legacyPool: pg.Pool,
  id: string,
  value: string | null,
  holdMs: number,
): Promise<RaceWrite> {
  const written = await legacyWrite(legacyPool, id, value, holdMs);
  const kind = value === null ? 'sql-delete' : 'sql-update';
  return { kind, status: 0, committed: written.version !== null, ...written };
}
