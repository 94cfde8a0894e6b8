import type { RouteRecord } from '../../src/routing/route.ts';
import { createCompareRules, tenantRoute, updateCompareRules } from '../shared/route-defaults.ts';
import { createAthleteHandlers, type AthleteHandlerDeps } from './athlete-handlers.ts';

export function createAthleteRoutes(deps: AthleteHandlerDeps): RouteRecord[] {
  const handlers = createAthleteHandlers(deps);
  return [
    tenantRoute('athletes-list', 'GET', '/api/athletes', handlers.list),
    tenantRoute('athletes-get', 'GET', '/api/athletes/{id}', handlers.get),
    tenantRoute(
      'athletes-create',
      'POST',
      '/api/athletes',
      handlers.create,
      createCompareRules('AthleteId', ['CreatedAt', 'UpdatedAt']),
    ),
    tenantRoute(
      'athletes-update',
      'PUT',
      '/api/athletes/{id}',
      handlers.update,
      updateCompareRules(['UpdatedAt']),
    ),
    tenantRoute('athletes-delete', 'DELETE', '/api/athletes/{id}', handlers.remove),
  ];
}
