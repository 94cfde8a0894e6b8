import { randomUUID } from 'node:crypto';
import http from 'node:http';

import type { Kysely } from 'kysely';

import { computeWellnessScore } from '../../../adapters/mappings/wellness-score.ts';
import type { LegacyDatabase } from '../../../adapters/schema.ts';
import type { Logger } from '../../../src/observability/logger.ts';
import {
  addModelError,
  dateOnlyAsDateTime,
  dateTime2,
  decimalOneScale,
  guid,
  int64,
  newTraceId,
  type ModelErrors,
  sendEmpty,
  sendJson,
  sendProblem,
  sendValidationProblem,
} from './aspnet-json.ts';
import { bindJsonBody, type RequestModel } from './aspnet-model-binding.ts';
import { bindBool, bindDate, bindGuid, bindInt, parseGuid } from './aspnet-query-binding.ts';
import { type AthleteValues, type LegacyDb, legacyQueries as q } from './legacy-queries.ts';

/*
 * A stand-in for the legacy athlete-monitoring API (ASP.NET Core Web API on Azure App Service), for the
 * demo and the contract recordings. It is not product code: it exists so everything can run without the
 * real legacy, and it follows the real one's conventions (aspnet-*.ts) closely enough that the new
 * handlers can be held to them.
 */

export interface LegacyStandInDeps {
  readonly db: Kysely<LegacyDatabase>;
  readonly logger?: Logger;
  /** The clock for CreatedAt/UpdatedAt (tests pin it). */
  readonly now?: () => Date;
  /** Ids of created rows; random by default, a sequence when recording fixtures so re-recordings diff cleanly. */
  readonly newGuid?: () => string;
  /** ProblemDetails traceIds; random by default, like the W3C trace ids ASP.NET writes. */
  readonly newTraceId?: () => string;
}

/** Kestrel's default MaxRequestBodySize (30,000,000 bytes, ~28.6 MiB): over it, an empty 413. */
const MAX_BODY_BYTES = 30_000_000;

const ATHLETE_REQUEST_PROPERTIES: RequestModel['properties'] = [
  { name: 'SquadId', kind: 'guid', required: true },
  { name: 'FirstName', kind: 'string', required: true, maxLength: 100 },
  { name: 'LastName', kind: 'string', required: true, maxLength: 100 },
  { name: 'Email', kind: 'string', required: true, maxLength: 256, email: true },
  { name: 'DateOfBirth', kind: 'date', required: true },
  { name: 'Position', kind: 'string', maxLength: 50 },
];
const CREATE_ATHLETE: RequestModel = {
  typeName: 'Legacy.Api.Contracts.CreateAthleteRequest',
  parameterName: 'request',
  properties: ATHLETE_REQUEST_PROPERTIES,
};
const UPDATE_ATHLETE: RequestModel = {
  typeName: 'Legacy.Api.Contracts.UpdateAthleteRequest',
  parameterName: 'request',
  properties: ATHLETE_REQUEST_PROPERTIES,
};
const CREATE_WELLNESS: RequestModel = {
  typeName: 'Legacy.Api.Contracts.CreateWellnessEntryRequest',
  parameterName: 'request',
  properties: [
    { name: 'EntryDate', kind: 'date', required: true },
    { name: 'Sleep', kind: 'int', required: true, range: [1, 5] },
    { name: 'Soreness', kind: 'int', required: true, range: [1, 5] },
    { name: 'Fatigue', kind: 'int', required: true, range: [1, 5] },
    { name: 'Stress', kind: 'int', required: true, range: [1, 5] },
    { name: 'Mood', kind: 'int', required: true, range: [1, 5] },
    { name: 'Notes', kind: 'string', maxLength: 500 },
  ],
};

/** Paging defaults of the legacy's PagingParameters: page 1, 50 per page, at most 200. */
export const LEGACY_PAGING = { defaultPageSize: 50, maxPageSize: 200 } as const;

interface Exchange {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly query: URLSearchParams;
  readonly body: Buffer;
}

export function createLegacyStandIn(deps: LegacyStandInDeps): http.Server {
  const { db, logger } = deps;
  const clock = deps.now ?? (() => new Date());
  const timestamp = (): string => toDateTime2Text(clock());
  const newGuid = deps.newGuid ?? randomUUID;
  const traceId = deps.newTraceId ?? newTraceId;
  const problem = (res: http.ServerResponse, status: number, detail?: string): void =>
    sendProblem(res, status, detail, traceId());
  const validationProblem = (res: http.ServerResponse, errors: ModelErrors): void =>
    sendValidationProblem(res, errors, traceId());

  async function route(x: Exchange): Promise<void> {
    const url = new URL(x.req.url ?? '/', 'http://stand-in');
    // ASP.NET routing: case-insensitive literals, an optional trailing slash, decoded segments.
    const segments = url.pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => safeDecode(s));
    const lower = segments.map((s) => s.toLowerCase());
    const method = x.req.method ?? 'GET';
    const [a, b, c, d] = lower;
    if (a !== 'api' || segments.length < 2) return sendEmpty(x.res, 404);

    if (b === 'squads' && segments.length === 2) {
      return method === 'GET' ? listSquads(x) : sendEmpty(x.res, 405, { Allow: 'GET' });
    }
    if (b === 'squads' && segments.length === 4 && d === 'athletes') {
      const squadId = parseGuid(segments[2] ?? '');
      if (squadId === undefined) return sendEmpty(x.res, 404);
      return method === 'GET' ? listSquadAthletes(x, squadId) : sendEmpty(x.res, 405, { Allow: 'GET' });
    }
    if (b === 'athletes' && segments.length === 2) {
      if (method === 'GET') return listAthletes(x);
      if (method === 'POST') return createAthlete(x);
      return sendEmpty(x.res, 405, { Allow: 'GET, POST' });
    }
    if (b === 'athletes' && (segments.length === 3 || (segments.length === 4 && d === 'wellness'))) {
      const athleteId = parseGuid(segments[2] ?? '');
      if (athleteId === undefined) return sendEmpty(x.res, 404);
      if (segments.length === 4) {
        if (method === 'GET') return listWellness(x, athleteId);
        if (method === 'POST') return createWellness(x, athleteId);
        return sendEmpty(x.res, 405, { Allow: 'GET, POST' });
      }
      if (method === 'GET') return getAthlete(x, athleteId);
      if (method === 'PUT') return updateAthlete(x, athleteId);
      if (method === 'DELETE') return deleteAthlete(x, athleteId);
      return sendEmpty(x.res, 405, { Allow: 'DELETE, GET, PUT' });
    }
    if (b === 'reports' && c === 'availability' && segments.length === 3) {
      return method === 'GET' ? availabilityReport(x) : sendEmpty(x.res, 405, { Allow: 'GET' });
    }
    return sendEmpty(x.res, 404);
  }

  // ------------------------------------------------------------------ squads

  async function listSquads(x: Exchange): Promise<void> {
    const rows = await q.listSquads(db).execute();
    sendJson(x.res, 200, rows.map(squadDto));
  }

  async function listSquadAthletes(x: Exchange, squadId: string): Promise<void> {
    const errors: ModelErrors = new Map();
    const includeInactive = bindBool(x.query, 'includeInactive', false, errors);
    const page = bindPage(x.query, errors);
    if (errors.size > 0) return validationProblem(x.res, errors);
    const squad = await q.findSquad(db, squadId).executeTakeFirst();
    if (squad === undefined) return problem(x.res, 404);
    await sendAthletePage(x, { squadId, includeInactive }, page);
  }

  // ------------------------------------------------------------------ athletes

  async function listAthletes(x: Exchange): Promise<void> {
    const errors: ModelErrors = new Map();
    const page = bindPage(x.query, errors);
    if (errors.size > 0) return validationProblem(x.res, errors);
    await sendAthletePage(x, { includeInactive: false }, page);
  }

  async function sendAthletePage(
    x: Exchange,
    filter: { squadId?: string; includeInactive: boolean },
    page: { page: number; pageSize: number },
  ): Promise<void> {
    const total = await q.countAthletes(db, filter).executeTakeFirstOrThrow();
    const rows = await q.listAthletes(db, filter, { offset: skipped(page), fetch: page.pageSize }).execute();
    sendJson(x.res, 200, rows.map(athleteDto), { 'X-Total-Count': String(Number(total.Total)) });
  }

  async function getAthlete(x: Exchange, athleteId: string): Promise<void> {
    const row = await q.findAthlete(db, athleteId).executeTakeFirst();
    if (row === undefined) return problem(x.res, 404);
    sendJson(x.res, 200, athleteDto(row));
  }

  async function createAthlete(x: Exchange): Promise<void> {
    const bound = bindJsonBody(x.req.headers['content-type'], x.body, CREATE_ATHLETE);
    if (bound.kind === 'unsupported-media-type') return problem(x.res, 415);
    if (bound.kind === 'invalid') return validationProblem(x.res, bound.errors);
    const values = athleteValues(bound.value);
    const athleteId = newGuid();
    const outcome = await db
      .transaction()
      .execute(async (trx) => {
        const problem = await checkAthleteWrite(trx, values, undefined);
        if (problem !== undefined) return problem;
        await q.insertAthlete(trx, athleteId, values, timestamp()).execute();
        return { row: await q.findAthlete(trx, athleteId).executeTakeFirstOrThrow() };
      })
      .catch(conflictOnUniqueViolation(emailConflict(values.Email)));
    if ('errors' in outcome) return validationProblem(x.res, outcome.errors);
    if ('conflict' in outcome) return problem(x.res, 409, outcome.conflict);
    // CreatedAtAction(nameof(GetAthlete), ...) writes an absolute URL from the request's scheme and Host.
    const location = `http://${x.req.headers.host ?? 'localhost'}/api/athletes/${athleteId}`;
    sendJson(x.res, 201, athleteDto(outcome.row), { Location: location });
  }

  async function updateAthlete(x: Exchange, athleteId: string): Promise<void> {
    // [ApiController] validates the model before the action runs, so a bad body beats a missing athlete.
    const bound = bindJsonBody(x.req.headers['content-type'], x.body, UPDATE_ATHLETE);
    if (bound.kind === 'unsupported-media-type') return problem(x.res, 415);
    if (bound.kind === 'invalid') return validationProblem(x.res, bound.errors);
    const values = athleteValues(bound.value);
    const outcome = await db
      .transaction()
      .execute(async (trx) => {
        const existing = await q.findAthlete(trx, athleteId).executeTakeFirst();
        if (existing === undefined) return { notFound: true as const };
        const problem = await checkAthleteWrite(trx, values, athleteId);
        if (problem !== undefined) return problem;
        await q.updateAthlete(trx, athleteId, values, timestamp()).execute();
        return { row: await q.findAthlete(trx, athleteId).executeTakeFirstOrThrow() };
      })
      .catch(conflictOnUniqueViolation(emailConflict(values.Email)));
    if ('notFound' in outcome) return problem(x.res, 404);
    if ('errors' in outcome) return validationProblem(x.res, outcome.errors);
    if ('conflict' in outcome) return problem(x.res, 409, outcome.conflict);
    sendJson(x.res, 200, athleteDto(outcome.row));
  }

  async function checkAthleteWrite(
    trx: LegacyDb,
    values: AthleteValues,
    athleteId: string | undefined,
  ): Promise<{ errors: ModelErrors } | { conflict: string } | undefined> {
    const squad = await q.findSquad(trx, values.SquadId).executeTakeFirst();
    if (squad === undefined) {
      const errors: ModelErrors = new Map();
      addModelError(errors, 'SquadId', `Squad '${values.SquadId}' does not exist.`);
      return { errors };
    }
    const holders = await q.findAthleteIdByEmail(trx, values.Email).execute();
    if (holders.some((h) => guid(h.AthleteId) !== athleteId)) {
      return emailConflict(values.Email);
    }
    return undefined;
  }

  async function deleteAthlete(x: Exchange, athleteId: string): Promise<void> {
    const found = await db.transaction().execute(async (trx) => {
      const existing = await q.findAthlete(trx, athleteId).executeTakeFirst();
      if (existing === undefined) return false;
      // Soft delete; deleting an already inactive athlete changes nothing and still answers 204.
      await q.deactivateAthlete(trx, athleteId, timestamp()).execute();
      return true;
    });
    if (!found) return problem(x.res, 404);
    sendEmpty(x.res, 204);
  }

  // ------------------------------------------------------------------ wellness

  async function listWellness(x: Exchange, athleteId: string): Promise<void> {
    const errors: ModelErrors = new Map();
    const from = bindDate(x.query, 'from', errors);
    const to = bindDate(x.query, 'to', errors);
    const page = bindPage(x.query, errors);
    if (from !== undefined && to !== undefined && from > to) {
      addModelError(errors, 'to', "The 'to' date must not be earlier than the 'from' date.");
    }
    if (errors.size > 0) return validationProblem(x.res, errors);
    const athlete = await q.findAthlete(db, athleteId).executeTakeFirst();
    if (athlete === undefined) return problem(x.res, 404);
    const filter = {
      athleteId,
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
    };
    const total = await q.countWellness(db, filter).executeTakeFirstOrThrow();
    const rows = await q.listWellness(db, filter, { offset: skipped(page), fetch: page.pageSize }).execute();
    sendJson(x.res, 200, rows.map(wellnessDto), { 'X-Total-Count': String(Number(total.Total)) });
  }

  async function createWellness(x: Exchange, athleteId: string): Promise<void> {
    const bound = bindJsonBody(x.req.headers['content-type'], x.body, CREATE_WELLNESS);
    if (bound.kind === 'unsupported-media-type') return problem(x.res, 415);
    if (bound.kind === 'invalid') return validationProblem(x.res, bound.errors);
    const v = bound.value;
    const answers = {
      Sleep: Number(v.Sleep),
      Soreness: Number(v.Soreness),
      Fatigue: Number(v.Fatigue),
      Stress: Number(v.Stress),
      Mood: Number(v.Mood),
    };
    const entryDate = String(v.EntryDate);
    const entryId = newGuid();
    const outcome = await db
      .transaction()
      .execute(async (trx) => {
        const athlete = await q.findAthlete(trx, athleteId).executeTakeFirst();
        if (athlete === undefined) return { notFound: true as const };
        const existing = await q.findWellnessEntryId(trx, athleteId, entryDate).executeTakeFirst();
        if (existing !== undefined) return entryConflict(athleteId, entryDate);
        await q
          .insertWellness(
            trx,
            {
              WellnessEntryId: entryId,
              AthleteId: athleteId,
              EntryDate: entryDate,
              ...answers,
              Score: computeWellnessScore({
                sleep: answers.Sleep,
                soreness: answers.Soreness,
                fatigue: answers.Fatigue,
                stress: answers.Stress,
                mood: answers.Mood,
              }),
              Notes: v.Notes === undefined || v.Notes === null ? null : String(v.Notes),
            },
            timestamp(),
          )
          .execute();
        return { row: await q.findWellnessEntry(trx, entryId).executeTakeFirstOrThrow() };
      })
      .catch(conflictOnUniqueViolation(entryConflict(athleteId, entryDate)));
    if ('notFound' in outcome) return problem(x.res, 404);
    if ('conflict' in outcome) return problem(x.res, 409, outcome.conflict);
    const location = `http://${x.req.headers.host ?? 'localhost'}/api/athletes/${athleteId}/wellness?from=${entryDate}&to=${entryDate}`;
    sendJson(x.res, 201, wellnessDto(outcome.row), { Location: location });
  }

  // ------------------------------------------------------------------ reports (legacy only)

  async function availabilityReport(x: Exchange): Promise<void> {
    const errors: ModelErrors = new Map();
    const squadId = bindGuid(x.query, 'squadId', errors);
    if (errors.size > 0 || squadId === undefined) return validationProblem(x.res, errors);
    const squad = await q.findSquad(db, squadId).executeTakeFirst();
    if (squad === undefined) return problem(x.res, 404);
    const today = clock().toISOString().slice(0, 10);
    const weekAgo = new Date(Date.parse(`${today}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
    const athletes = await q.availabilityAthletes(db, squadId).execute();
    const entries = await q.availabilityEntries(db, squadId, weekAgo, today).execute();
    const latest = new Map<string, { EntryDate: string; Score: string }>();
    for (const entry of entries) {
      const key = guid(entry.AthleteId);
      if (!latest.has(key)) latest.set(key, entry);
    }
    sendJson(x.res, 200, {
      SquadId: guid(squad.SquadId),
      SquadName: squad.Name,
      AsOf: dateOnlyAsDateTime(today),
      Athletes: athletes.map((a) => {
        const entry = latest.get(guid(a.AthleteId));
        const score = entry === undefined ? undefined : Number(entry.Score);
        return {
          AthleteId: guid(a.AthleteId),
          FirstName: a.FirstName,
          LastName: a.LastName,
          LatestEntryDate: entry === undefined ? null : dateOnlyAsDateTime(entry.EntryDate),
          LatestScore: entry === undefined ? null : decimalOneScale(entry.Score),
          Status:
            score === undefined
              ? 'NoData'
              : score >= 3.5
                ? 'Available'
                : score >= 2.5
                  ? 'Modified'
                  : 'Unavailable',
        };
      }),
    });
  }

  // ------------------------------------------------------------------ plumbing

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return sendEmpty(res, 413); // Kestrel rejects before MVC: no body
      const query = new URL(req.url ?? '/', 'http://stand-in').searchParams;
      route({ req, res, query, body: Buffer.concat(chunks) }).catch((error: unknown) => {
        logger?.error('legacy stand-in request failed', {
          method: req.method,
          url: req.url,
          error: error instanceof Error ? error.message : String(error),
        });
        if (!res.headersSent)
          sendEmpty(res, 500); // no exception handler: Kestrel's empty 500
        else res.destroy();
      });
    });
  });
  return server;
}

function emailConflict(email: string): { conflict: string } {
  return { conflict: `An athlete with the email '${email}' already exists.` };
}

function entryConflict(athleteId: string, entryDate: string): { conflict: string } {
  return { conflict: `A wellness entry for athlete '${athleteId}' on ${entryDate} already exists.` };
}

/**
 * Two concurrent writers both pass the existence check; the unique index stops the second, which must
 * still get the 409 the check would have given. PostgreSQL reports SQLSTATE 23505, SQL Server error
 * 2627 (unique constraint) or 2601 (unique index).
 */
function conflictOnUniqueViolation<T>(conflict: T): (error: unknown) => T {
  return (error: unknown) => {
    if (typeof error === 'object' && error !== null) {
      const { code, number } = error as { code?: unknown; number?: unknown };
      if (code === '23505' || number === 2627 || number === 2601) return conflict;
    }
    throw error;
  };
}

function bindPage(query: URLSearchParams, errors: ModelErrors): { page: number; pageSize: number } {
  const page = bindInt(query, 'page', 1, [1, 2147483647], errors);
  const pageSize = bindInt(
    query,
    'pageSize',
    LEGACY_PAGING.defaultPageSize,
    [1, LEGACY_PAGING.maxPageSize],
    errors,
  );
  return { page, pageSize };
}

function athleteValues(v: Readonly<Record<string, string | number | null>>): AthleteValues {
  const position = v.Position;
  return {
    SquadId: String(v.SquadId),
    FirstName: String(v.FirstName),
    LastName: String(v.LastName),
    Email: String(v.Email),
    DateOfBirth: String(v.DateOfBirth),
    Position: position === undefined || position === null ? null : String(position),
  };
}

// DTOs: property order is the C# record's declaration order, which System.Text.Json keeps.

function squadDto(row: { SquadId: string; Name: string; Sport: string; CreatedAt: string }) {
  return {
    SquadId: guid(row.SquadId),
    Name: row.Name,
    Sport: row.Sport,
    CreatedAt: dateTime2(row.CreatedAt),
  };
}

function athleteDto(row: {
  AthleteId: string;
  SquadId: string;
  FirstName: string;
  LastName: string;
  Email: string;
  DateOfBirth: string;
  Position: string | null;
  IsActive: boolean | number;
  CreatedAt: string;
  UpdatedAt: string;
  Version: string;
}) {
  return {
    AthleteId: guid(row.AthleteId),
    SquadId: guid(row.SquadId),
    FirstName: row.FirstName,
    LastName: row.LastName,
    Email: row.Email,
    DateOfBirth: dateOnlyAsDateTime(row.DateOfBirth),
    Position: row.Position,
    // bit may arrive as true/false (tedious, pg boolean) or 0/1 depending on the engine.
    IsActive: row.IsActive === true || row.IsActive === 1,
    CreatedAt: dateTime2(row.CreatedAt),
    UpdatedAt: dateTime2(row.UpdatedAt),
    Version: int64(row.Version),
  };
}

function wellnessDto(row: {
  WellnessEntryId: string;
  AthleteId: string;
  EntryDate: string;
  Sleep: number;
  Soreness: number;
  Fatigue: number;
  Stress: number;
  Mood: number;
  Score: string;
  Notes: string | null;
  CreatedAt: string;
}) {
  return {
    WellnessEntryId: guid(row.WellnessEntryId),
    AthleteId: guid(row.AthleteId),
    EntryDate: dateOnlyAsDateTime(row.EntryDate),
    Sleep: row.Sleep,
    Soreness: row.Soreness,
    Fatigue: row.Fatigue,
    Stress: row.Stress,
    Mood: row.Mood,
    Score: decimalOneScale(row.Score),
    Notes: row.Notes,
    CreatedAt: dateTime2(row.CreatedAt),
  };
}

/** datetime2(7) literal 'YYYY-MM-DD HH:MM:SS.fffffff' (UTC), accepted by both engines. */
export function toDateTime2Text(date: Date): string {
  return `${date.toISOString().slice(0, 23).replace('T', ' ')}0000`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Skip((page - 1) * pageSize) in C#'s int arithmetic: past int.MaxValue it wraps negative, and the
 * database refuses the negative OFFSET, so legacy answers such a page with its empty 500.
 */
function skipped(page: { page: number; pageSize: number }): number {
  return Math.imul(page.page - 1, page.pageSize);
}
