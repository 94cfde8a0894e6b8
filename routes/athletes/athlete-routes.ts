import type { RouteRecord } from '../../src/routing/route.ts';
import { POLICIES } from '../shared/policies.ts';
import { createCompareRules, tenantRoute, updateCompareRules } from '../shared/route-defaults.ts';
import type { TenantDatabase } from '../shared/tenant-database.ts';
import { createAthleteHandlers } from './athlete-handlers.ts';

export function createAthleteRoutes(data: TenantDatabase): RouteRecord[] {
  const handlers = createAthleteHandlers(data);
  return [
    tenantRoute('athletes-list', 'GET', '/api/athletes', POLICIES.athletesRead, handlers.list),
    tenantRoute('athletes-get', 'GET', '/api/athletes/{id}', POLICIES.athletesRead, handlers.get),
    tenantRoute(
      'athletes-create',
      'POST',
      '/api/athletes',
      POLICIES.athletesWrite,
      handlers.create,
      createCompareRules('AthleteId', ['CreatedAt', 'UpdatedAt']),
    ),
    tenantRoute(
      'athletes-update',
      'PUT',
      '/api/athletes/{id}',
      POLICIES.athletesWrite,
      handlers.update,
      updateCompareRules(['UpdatedAt']),
    ),
    tenantRoute('athletes-delete', 'DELETE', '/api/athletes/{id}', POLICIES.athletesDelete, handlers.remove),
  ];
}
