/* The stand-in's wellness endpoints: list an athlete's entries, and create one a day. */
import { computeWellnessScore } from '../../../adapters/mappings/wellness-score.ts';
import { addModelError, sendJson, type ModelErrors } from './aspnet-json.ts';
import { bindJsonBody, type RequestModel } from './aspnet-model-binding.ts';
import { bindDate, bindPage } from './aspnet-query-binding.ts';
import { legacyQueries as q } from './legacy-queries.ts';
import {
  conflictOnUniqueViolation,
  sendPage,
  type Exchange,
  type StandInContext,
} from './stand-in-context.ts';
import { wellnessDto } from './stand-in-dtos.ts';

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

export async function listWellness(ctx: StandInContext, x: Exchange, athleteId: string): Promise<void> {
  const errors: ModelErrors = new Map();
  const from = bindDate(x.query, 'from', errors);
  const to = bindDate(x.query, 'to', errors);
  const page = bindPage(x.query, errors);
  if (from !== undefined && to !== undefined && from > to) {
    addModelError(errors, 'to', "The 'to' date must not be earlier than the 'from' date.");
  }
  if (errors.size > 0) return ctx.validationProblem(x.res, errors);
  const athlete = await q.findAthlete(ctx.db, x.organisationId, athleteId).executeTakeFirst();
  if (athlete === undefined) return ctx.problem(x.res, 404);
  const filter = {
    athleteId,
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
  const queries = {
    count: () => q.countWellness(ctx.db, filter).executeTakeFirstOrThrow(),
    rows: (window: { offset: number; fetch: number }) => q.listWellness(ctx.db, filter, window).execute(),
  };
  await sendPage(x, page, queries, wellnessDto);
}

export async function createWellness(ctx: StandInContext, x: Exchange, athleteId: string): Promise<void> {
  const bound = bindJsonBody(x.req.headers['content-type'], x.body, CREATE_WELLNESS);
  if (bound.kind === 'unsupported-media-type') return ctx.problem(x.res, 415);
  if (bound.kind === 'invalid') return ctx.validationProblem(x.res, bound.errors);
  const v = bound.value;
  const answers = {
    Sleep: Number(v.Sleep),
    Soreness: Number(v.Soreness),
    Fatigue: Number(v.Fatigue),
    Stress: Number(v.Stress),
    Mood: Number(v.Mood),
  };
  const entryDate = String(v.EntryDate);
  const entryId = ctx.newGuid();
  const outcome = await ctx.db
    .transaction()
    .execute(async (trx) => {
      const athlete = await q.findAthlete(trx, x.organisationId, athleteId).executeTakeFirst();
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
          ctx.timestamp(),
        )
        .execute();
      return { row: await q.findWellnessEntry(trx, entryId).executeTakeFirstOrThrow() };
    })
    .catch(conflictOnUniqueViolation(entryConflict(athleteId, entryDate)));
  if ('notFound' in outcome) return ctx.problem(x.res, 404);
  if ('conflict' in outcome) return ctx.problem(x.res, 409, outcome.conflict);
  const location = `http://${x.req.headers.host ?? 'localhost'}/api/athletes/${athleteId}/wellness?from=${entryDate}&to=${entryDate}`;
  sendJson(x.res, 201, wellnessDto(outcome.row), { Location: location });
}

// ------------------------------------------------------------------ reports (legacy only)

function entryConflict(athleteId: string, entryDate: string): { conflict: string } {
  return { conflict: `A wellness entry for athlete '${athleteId}' on ${entryDate} already exists.` };
}
