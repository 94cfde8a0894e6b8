import type { RouteRecord } from '../../src/routing/route.ts';
import { createCompareRules, tenantRoute } from '../shared/route-defaults.ts';
import { createWellnessHandlers, type WellnessHandlerDeps } from './wellness-handlers.ts';

export function createWellnessRoutes(deps: WellnessHandlerDeps): RouteRecord[] {
  const handlers = createWellnessHandlers(deps);
  return [
    tenantRoute('wellness-list', 'GET', '/api/athletes/{id}/wellness', handlers.list),
    tenantRoute(
      'wellness-create',
      'POST',
      '/api/athletes/{id}/wellness',
      handlers.create,
      createCompareRules('WellnessEntryId', ['CreatedAt']),
    ),
  ];
}
