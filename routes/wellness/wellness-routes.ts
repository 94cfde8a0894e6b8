import type { RouteRecord } from '../../src/routing/route.ts';
import { POLICIES } from '../shared/policies.ts';
import { createCompareRules, tenantRoute } from '../shared/route-defaults.ts';
import type { TenantDatabase } from '../shared/tenant-database.ts';
import { createWellnessHandlers } from './wellness-handlers.ts';

export function createWellnessRoutes(data: TenantDatabase): RouteRecord[] {
  const handlers = createWellnessHandlers(data);
  return [
    tenantRoute('wellness-list', 'GET', '/api/athletes/{id}/wellness', POLICIES.wellnessRead, handlers.list),
    tenantRoute(
      'wellness-create',
      'POST',
      '/api/athletes/{id}/wellness',
      POLICIES.wellnessWrite,
      handlers.create,
      createCompareRules('WellnessEntryId', ['CreatedAt']),
    ),
  ];
}
