import { flagNameFor, type RouteRecord } from '../../src/routing/route.ts';
import {
  BASE_COMPARE_RULES,
  createCompareRules,
  shadowSettings,
  TENANT_STICKINESS,
  updateCompareRules,
} from '../shared/route-defaults.ts';
import { createAthleteHandlers, type AthleteHandlerDeps } from './athlete-handlers.ts';

export function createAthleteRoutes(deps: AthleteHandlerDeps): RouteRecord[] {
  const handlers = createAthleteHandlers(deps);
  const record = (
    id: string,
    method: RouteRecord['methods'][number],
    path: string,
    handler: RouteRecord['handler'],
    compare = BASE_COMPARE_RULES,
  ): RouteRecord => ({
    id,
    methods: [method],
    path,
    flag: flagNameFor(id),
    handler,
    stickiness: TENANT_STICKINESS,
    shadow: shadowSettings(compare),
  });
  return [
    record('athletes-list', 'GET', '/api/athletes', handlers.list),
    record('athletes-get', 'GET', '/api/athletes/{id}', handlers.get),
    record(
      'athletes-create',
      'POST',
      '/api/athletes',
      handlers.create,
      createCompareRules('AthleteId', ['CreatedAt', 'UpdatedAt']),
    ),
    record(
      'athletes-update',
      'PUT',
      '/api/athletes/{id}',
      handlers.update,
      updateCompareRules(['UpdatedAt']),
    ),
    record('athletes-delete', 'DELETE', '/api/athletes/{id}', handlers.remove),
  ];
}
