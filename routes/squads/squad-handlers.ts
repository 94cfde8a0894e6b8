import type { Kysely } from 'kysely';

import type { NewDatabase } from '../../adapters/schema.ts';
import { jsonResponse, type NewHandler } from '../../src/handlers/new-handler.ts';
import { athleteJson, athletePage } from '../athletes/athlete-queries.ts';
import { routeGuid, utcTimestamp } from '../shared/legacy-formats.ts';
import { noEndpointResponse, problemResponse, ValidationErrors } from '../shared/legacy-responses.ts';
import { QueryParameters } from '../shared/query-parameters.ts';

export interface SquadHandlerDeps {
  readonly db: Kysely<NewDatabase>;
}

export function createSquadHandlers(deps: SquadHandlerDeps) {
  const { db } = deps;

  /** Every squad, by name: the legacy does not page this list (a club has a handful of squads). */
  const list: NewHandler = async () => {
    const rows = await db
      .selectFrom('squads')
      .select(['id', 'name', 'sport', utcTimestamp('created_at').as('created_at_text')])
      .orderBy('name')
      .orderBy('id')
      .execute();
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
    const squad = await db.selectFrom('squads').select('id').where('id', '=', squadId).executeTakeFirst();
    if (squad === undefined) return problemResponse(404);
    const { total, rows } = await athletePage(db, { squadId, includeInactive }, page);
    return jsonResponse(200, rows.map(athleteJson), { 'X-Total-Count': String(total) });
  };

  return { list, athletes };
}
