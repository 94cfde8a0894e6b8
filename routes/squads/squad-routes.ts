import type { RouteRecord } from '../../src/routing/route.ts';
import { POLICIES } from '../shared/policies.ts';
import { tenantRoute } from '../shared/route-defaults.ts';
import type { TenantDatabase } from '../shared/tenant-database.ts';
import { createSquadHandlers } from './squad-handlers.ts';

export function createSquadRoutes(data: TenantDatabase): RouteRecord[] {
  const handlers = createSquadHandlers(data);
  const read = POLICIES.athletesRead;
  return [
    tenantRoute('squads-list', 'GET', '/api/squads', read, handlers.list),
    tenantRoute('squad-athletes-list', 'GET', '/api/squads/{squadId}/athletes', read, handlers.athletes),
  ];
}
