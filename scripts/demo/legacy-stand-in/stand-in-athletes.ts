/* The stand-in's athlete endpoints: list, get, create, update and the soft delete. */
import { addModelError, guid, sendEmpty, sendJson, type ModelErrors } from './aspnet-json.ts';
import { bindJsonBody, type RequestModel } from './aspnet-model-binding.ts';
import { bindPage } from './aspnet-query-binding.ts';
import { legacyQueries as q, type AthleteValues, type LegacyDb, type Scope } from './legacy-queries.ts';
import {
  conflictOnUniqueViolation,
  sendPage,
  type Exchange,
  type StandInContext,
} from './stand-in-context.ts';
import { athleteDto } from './stand-in-dtos.ts';

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
export async function listAthletes(ctx: StandInContext, x: Exchange): Promise<void> {
  const errors: ModelErrors = new Map();
  const page = bindPage(x.query, errors);
  if (errors.size > 0) return ctx.validationProblem(x.res, errors);
  await sendAthletePage(ctx, x, { includeInactive: false }, page);
}

export async function sendAthletePage(
  ctx: StandInContext,
  x: Exchange,
  athletes: { squadId?: string; includeInactive: boolean },
  page: { page: number; pageSize: number },
): Promise<void> {
  const filter = { ...athletes, scope: x.organisationId };
  const queries = {
    count: () => q.countAthletes(ctx.db, filter).executeTakeFirstOrThrow(),
    rows: (window: { offset: number; fetch: number }) => q.listAthletes(ctx.db, filter, window).execute(),
  };
  await sendPage(x, page, queries, athleteDto);
}

export async function getAthlete(ctx: StandInContext, x: Exchange, athleteId: string): Promise<void> {
  const row = await q.findAthlete(ctx.db, x.organisationId, athleteId).executeTakeFirst();
  if (row === undefined) return ctx.problem(x.res, 404);
  sendJson(x.res, 200, athleteDto(row));
}

export async function createAthlete(ctx: StandInContext, x: Exchange): Promise<void> {
  const bound = bindJsonBody(x.req.headers['content-type'], x.body, CREATE_ATHLETE);
  if (bound.kind === 'unsupported-media-type') return ctx.problem(x.res, 415);
  if (bound.kind === 'invalid') return ctx.validationProblem(x.res, bound.errors);
  const values = athleteValues(bound.value);
  const athleteId = ctx.newGuid();
  const outcome = await ctx.db
    .transaction()
    .execute(async (trx) => {
      const problem = await checkAthleteWrite(trx, x.organisationId, values, undefined);
      if (problem !== undefined) return problem;
      await q.insertAthlete(trx, athleteId, values, ctx.timestamp()).execute();
      return { row: await q.findAthlete(trx, x.organisationId, athleteId).executeTakeFirstOrThrow() };
    })
    .catch(conflictOnUniqueViolation(emailConflict(values.Email)));
  if ('errors' in outcome) return ctx.validationProblem(x.res, outcome.errors);
  if ('conflict' in outcome) return ctx.problem(x.res, 409, outcome.conflict);
  // CreatedAtAction(nameof(GetAthlete), ...) writes an absolute URL from the request's scheme and Host.
  const location = `http://${x.req.headers.host ?? 'localhost'}/api/athletes/${athleteId}`;
  sendJson(x.res, 201, athleteDto(outcome.row), { Location: location });
}

export async function updateAthlete(ctx: StandInContext, x: Exchange, athleteId: string): Promise<void> {
  // [ApiController] validates the model before the action runs, so a bad body beats a missing athlete.
  const bound = bindJsonBody(x.req.headers['content-type'], x.body, UPDATE_ATHLETE);
  if (bound.kind === 'unsupported-media-type') return ctx.problem(x.res, 415);
  if (bound.kind === 'invalid') return ctx.validationProblem(x.res, bound.errors);
  const values = athleteValues(bound.value);
  const outcome = await ctx.db
    .transaction()
    .execute(async (trx) => {
      const existing = await q.findAthlete(trx, x.organisationId, athleteId).executeTakeFirst();
      if (existing === undefined) return { notFound: true as const };
      const problem = await checkAthleteWrite(trx, x.organisationId, values, athleteId);
      if (problem !== undefined) return problem;
      await q.updateAthlete(trx, athleteId, values, ctx.timestamp()).execute();
      return { row: await q.findAthlete(trx, x.organisationId, athleteId).executeTakeFirstOrThrow() };
    })
    .catch(conflictOnUniqueViolation(emailConflict(values.Email)));
  if ('notFound' in outcome) return ctx.problem(x.res, 404);
  if ('errors' in outcome) return ctx.validationProblem(x.res, outcome.errors);
  if ('conflict' in outcome) return ctx.problem(x.res, 409, outcome.conflict);
  sendJson(x.res, 200, athleteDto(outcome.row));
}

async function checkAthleteWrite(
  trx: LegacyDb,
  scope: Scope,
  values: AthleteValues,
  athleteId: string | undefined,
): Promise<{ errors: ModelErrors } | { conflict: string } | undefined> {
  const squad = await q.findSquad(trx, scope, values.SquadId).executeTakeFirst();
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

export async function deleteAthlete(ctx: StandInContext, x: Exchange, athleteId: string): Promise<void> {
  const found = await ctx.db.transaction().execute(async (trx) => {
    const existing = await q.findAthlete(trx, x.organisationId, athleteId).executeTakeFirst();
    if (existing === undefined) return false;
    // Soft delete; deleting an already inactive athlete changes nothing and still answers 204.
    await q.deactivateAthlete(trx, athleteId, ctx.timestamp()).execute();
    return true;
  });
  if (!found) return ctx.problem(x.res, 404);
  sendEmpty(x.res, 204);
}

function emailConflict(email: string): { conflict: string } {
  return { conflict: `An athlete with the email '${email}' already exists.` };
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
