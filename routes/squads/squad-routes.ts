import type { RouteRecord } from '../../src/routing/route.ts';
import { tenantRoute } from '../shared/route-defaults.ts';
import { createSquadHandlers, type SquadHandlerDeps } from './squad-handlers.ts';

export function createSquadRoutes(deps: SquadHandlerDeps): RouteRecord[] {
  const handlers = createSquadHandlers(deps);
  return [
    tenantRoute('squads-list', 'GET', '/api/squads', handlers.list),
    tenantRoute('squad-athletes-list', 'GET', '/api/squads/{squadId}/athletes', handlers.athletes),
  ];
}
