/* The stand-in's squad endpoints and the availability report (legacy only: no route migrates it). */
import { dateOnlyAsDateTime, decimalOneScale, guid, sendJson, type ModelErrors } from './aspnet-json.ts';
import { bindBool, bindGuid, bindPage } from './aspnet-query-binding.ts';
import { legacyQueries as q } from './legacy-queries.ts';
import { sendAthletePage } from './stand-in-athletes.ts';
import type { Exchange, StandInContext } from './stand-in-context.ts';
import { squadDto } from './stand-in-dtos.ts';

export async function listSquads(ctx: StandInContext, x: Exchange): Promise<void> {
  const rows = await q.listSquads(ctx.db, x.organisationId).execute();
  sendJson(x.res, 200, rows.map(squadDto));
}

export async function listSquadAthletes(ctx: StandInContext, x: Exchange, squadId: string): Promise<void> {
  const errors: ModelErrors = new Map();
  const includeInactive = bindBool(x.query, 'includeInactive', false, errors);
  const page = bindPage(x.query, errors);
  if (errors.size > 0) return ctx.validationProblem(x.res, errors);
  const squad = await q.findSquad(ctx.db, x.organisationId, squadId).executeTakeFirst();
  if (squad === undefined) return ctx.problem(x.res, 404);
  await sendAthletePage(ctx, x, { squadId, includeInactive }, page);
}

export async function availabilityReport(ctx: StandInContext, x: Exchange): Promise<void> {
  const errors: ModelErrors = new Map();
  const squadId = bindGuid(x.query, 'squadId', errors);
  if (errors.size > 0 || squadId === undefined) return ctx.validationProblem(x.res, errors);
  const squad = await q.findSquad(ctx.db, x.organisationId, squadId).executeTakeFirst();
  if (squad === undefined) return ctx.problem(x.res, 404);
  const today = ctx.clock().toISOString().slice(0, 10);
  const weekAgo = new Date(Date.parse(`${today}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
  const athletes = await q.availabilityAthletes(ctx.db, squadId).execute();
  const entries = await q.availabilityEntries(ctx.db, squadId, weekAgo, today).execute();
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
