import { randomUUID } from 'node:crypto';

import { sql, type ExpressionBuilder } from 'kysely';

import type { NewDatabase } from '../../adapters/schema.ts';
import {
  jsonResponse,
  type HandlerRequest,
  type HandlerResponse,
  type NewHandler,
} from '../../src/handlers/new-handler.ts';
import { routeGuid } from '../shared/legacy-formats.ts';
import {
  locationOf,
  noContentResponse,
  noEndpointResponse,
  problemResponse,
  ValidationErrors,
} from '../shared/legacy-responses.ts';
import { QueryParameters } from '../shared/query-parameters.ts';
import { bindBody, type BodySchema, type BoundBody } from '../shared/request-body.ts';
import type { TenantDatabase } from '../shared/tenant-database.ts';
import { isUniqueViolation, type UnitOfWork } from '../shared/unit-of-work.ts';
import { athleteExists, athleteJson, athletePage, selectAthlete } from './athlete-queries.ts';

/** The legacy's CreateAthleteRequest / UpdateAthleteRequest (same members, same order). */
const ATHLETE_BODY = {
  dtoType: 'Legacy.Api.Contracts.CreateAthleteRequest',
  fields: {
    SquadId: { type: 'guid', required: true },
    FirstName: { type: 'text', required: true, maxLength: 100 },
    LastName: { type: 'text', required: true, maxLength: 100 },
    Email: { type: 'text', required: true, maxLength: 256, email: true },
    DateOfBirth: { type: 'date', required: true },
    Position: { type: 'text', maxLength: 50 },
  },
} as const satisfies BodySchema;
const UPDATE_BODY = { ...ATHLETE_BODY, dtoType: 'Legacy.Api.Contracts.UpdateAthleteRequest' } as const;

type AthleteBody = BoundBody<typeof ATHLETE_BODY>;

const EMAIL_INDEX = 'athletes_email_lower_key';

function emailConflict(email: string) {
  return problemResponse(409, `An athlete with the email '${email}' already exists.`);
}

function columnsOf(body: AthleteBody) {
  return {
    squad_id: String(body.SquadId),
    first_name: String(body.FirstName),
    last_name: String(body.LastName),
    email: String(body.Email),
    date_of_birth: String(body.DateOfBirth),
    position: body.Position === null ? null : String(body.Position),
  };
}

/**
 * Checks the legacy action makes after model validation, in its order: the squad exists (a 400 on
 * SquadId), then no other athlete has the e-mail, compared case-insensitively (409). Both see the
 * caller's organisation only, as legacy's query filters do; an e-mail held in another organisation is
 * found by the unique index on insert instead, and answered with the same 409 (writeAthlete).
 */
async function checkWrite(unit: UnitOfWork, body: AthleteBody, selfId: string | undefined) {
  const squad = await unit.trx
    .selectFrom('squads')
    .select('id')
    .where('id', '=', String(body.SquadId))
    .executeTakeFirst();
  if (squad === undefined) {
    const errors = new ValidationErrors();
    errors.add('SquadId', `Squad '${String(body.SquadId)}' does not exist.`);
    return errors.toResponse();
  }
  const holder = await unit.trx
    .selectFrom('athletes')
    .select('id')
    .where(sql<string>`lower(email)`, '=', String(body.Email).toLowerCase())
    .$if(selfId !== undefined, (q) => q.where('id', '<>', selfId ?? ''))
    .executeTakeFirst();
  return holder === undefined ? undefined : emailConflict(String(body.Email));
}

/** The version column one up, as every athlete write sets it. */
function nextVersion(eb: ExpressionBuilder<NewDatabase, 'athletes'>) {
  return eb('version', '+', eb.lit(1).$castTo<string>());
}

/** Reads the written athlete back and tells the change listener, in the write's transaction. */
async function writtenAthlete(unit: UnitOfWork, id: string, operation: 'insert' | 'update') {
  const row = await selectAthlete(unit.trx).where('id', '=', id).executeTakeFirstOrThrow();
  await unit.changed({ entity: 'athlete', id, operation, version: row.version });
  return row;
}

/** A create or update in one unit of work, where the unique e-mail index has the last word. */
async function writeAthlete(
  data: TenantDatabase,
  request: HandlerRequest,
  body: AthleteBody,
  write: (unit: UnitOfWork) => Promise<HandlerResponse>,
): Promise<HandlerResponse> {
  try {
    return await data.write(request, write);
  } catch (error: unknown) {
    // Two concurrent writes with one e-mail: the unique index decides, as the legacy's does.
    if (isUniqueViolation(error, EMAIL_INDEX)) return emailConflict(String(body.Email));
    throw error;
  }
}

function createAthlete(data: TenantDatabase): NewHandler {
  return async (request) => {
    const bound = bindBody(request, ATHLETE_BODY);
    if (!bound.ok) return bound.response;
    const body = bound.value;
    const id = randomUUID();
    const now = new Date();
    return writeAthlete(data, request, body, async (unit) => {
      const rejected = await checkWrite(unit, body, undefined);
      if (rejected !== undefined) return rejected;
      await unit.trx
        .insertInto('athletes')
        .values({ id, ...columnsOf(body), is_active: true, created_at: now, updated_at: now, version: 1 })
        .execute();
      const row = await writtenAthlete(unit, id, 'insert');
      return jsonResponse(201, athleteJson(row), { Location: locationOf(request, `/api/athletes/${id}`) });
    });
  };
}

function updateAthlete(data: TenantDatabase): NewHandler {
  return async (request) => {
    const id = routeGuid(request.params.id);
    if (id === undefined) return noEndpointResponse();
    // The legacy validates the body before its action looks the athlete up: a bad body beats a 404.
    const bound = bindBody(request, UPDATE_BODY);
    if (!bound.ok) return bound.response;
    const body = bound.value;
    return writeAthlete(data, request, body, async (unit) => {
      if (!(await athleteExists(unit.trx, id))) return problemResponse(404);
      const rejected = await checkWrite(unit, body, id);
      if (rejected !== undefined) return rejected;
      const updated = await unit.trx
        .updateTable('athletes')
        .set((eb) => ({ ...columnsOf(body), updated_at: new Date(), version: nextVersion(eb) }))
        .where('id', '=', id)
        .returning('id')
        .executeTakeFirst();
      // Deleted (by the sync, from legacy) since it was looked up: gone, as legacy would then say.
      if (updated === undefined) return problemResponse(404);
      return jsonResponse(200, athleteJson(await writtenAthlete(unit, id, 'update')));
    });
  };
}

/** Soft delete: IsActive false. Deleting an inactive athlete again is a 204 that changes nothing. */
function removeAthlete(data: TenantDatabase): NewHandler {
  return async (request) => {
    const id = routeGuid(request.params.id);
    if (id === undefined) return noEndpointResponse();
    return data.write(request, async (unit) => {
      if (!(await athleteExists(unit.trx, id))) return problemResponse(404);
      const changed = await unit.trx
        .updateTable('athletes')
        .set((eb) => ({ is_active: false, updated_at: new Date(), version: nextVersion(eb) }))
        .where('id', '=', id)
        .where('is_active', '=', true)
        .returning('version')
        .executeTakeFirst();
      if (changed !== undefined)
        await unit.changed({ entity: 'athlete', id, operation: 'update', version: changed.version });
      return noContentResponse();
    });
  };
}

export function createAthleteHandlers(data: TenantDatabase) {
  const list: NewHandler = async (request) => {
    const errors = new ValidationErrors();
    const page = new QueryParameters(request.query, errors).page();
    if (errors.any) return errors.toResponse();
    const { total, rows } = await data.read(request, (trx) =>
      athletePage(trx, { includeInactive: false }, page),
    );
    return jsonResponse(200, rows.map(athleteJson), { 'X-Total-Count': String(total) });
  };

  const get: NewHandler = async (request) => {
    const id = routeGuid(request.params.id);
    if (id === undefined) return noEndpointResponse();
    const row = await data.read(request, (trx) => selectAthlete(trx).where('id', '=', id).executeTakeFirst());
    return row === undefined ? problemResponse(404) : jsonResponse(200, athleteJson(row));
  };

  return { list, get, create: createAthlete(data), update: updateAthlete(data), remove: removeAthlete(data) };
}
