import { jsonResponse, type NewHandler } from '../../src/handlers/new-handler.ts';
import { athleteJson, athletePage } from '../athletes/athlete-queries.ts';
import { routeGuid, utcTimestamp } from '../shared/legacy-formats.ts';
import { noEndpointResponse, problemResponse, ValidationErrors } from '../shared/legacy-responses.ts';
import { QueryParameters } from '../shared/query-parameters.ts';
import type { TenantDatabase } from '../shared/tenant-database.ts';

export function createSquadHandlers(data: TenantDatabase) {
  /** The caller's squads, by name: the legacy does not page this list (a club has a handful of squads). */
  const list: NewHandler = async (request) => {
    const rows = await data.read(request, (trx) =>
      trx
        .selectFrom('squads')
        .select(['id', 'name', 'sport', utcTimestamp('created_at').as('created_at_text')])
        .orderBy('name')
        .orderBy('id')
        .execute(),
    );
    return jsonResponse(
      200,
      rows.map((r) => ({ SquadId: r.id, Name: r.name, Sport: r.sport, CreatedAt: r.created_at_text })),
    );
  };

  const athletes: NewHandler = async (request) => {
    const squadId = routeGuid(request.params.squadId);
    if (squadId === undefined) return noEndpointResponse();
    // Parameter order of the legacy action: includeInactive, then page and pageSize.
    const errors = new ValidationErrors();
    const query = new QueryParameters(request.query, errors);
    const includeInactive = query.bool('includeInactive', false);
    const page = query.page();
    if (errors.any) return errors.toResponse();
    const found = await data.read(request, async (trx) => {
      const squad = await trx.selectFrom('squads').select('id').where('id', '=', squadId).executeTakeFirst();
      return squad === undefined ? undefined : athletePage(trx, { squadId, includeInactive }, page);
    });
    if (found === undefined) return problemResponse(404);
    return jsonResponse(200, found.rows.map(athleteJson), { 'X-Total-Count': String(found.total) });
  };

  return { list, athletes };
}
