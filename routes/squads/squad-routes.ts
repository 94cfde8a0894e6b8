import { flagNameFor, type RouteRecord } from '../../src/routing/route.ts';
import { BASE_COMPARE_RULES, shadowSettings, TENANT_STICKINESS } from '../shared/route-defaults.ts';
import { createSquadHandlers, type SquadHandlerDeps } from './squad-handlers.ts';

export function createSquadRoutes(deps: SquadHandlerDeps): RouteRecord[] {
  const handlers = createSquadHandlers(deps);
  return [
    {
      id: 'squads-list',
      methods: ['GET'],
      path: '/api/squads',
      flag: flagNameFor('squads-list'),
      handler: handlers.list,
      stickiness: TENANT_STICKINESS,
      shadow: shadowSettings(BASE_COMPARE_RULES),
    },
    {
      id: 'squad-athletes-list',
      methods: ['GET'],
      path: '/api/squads/{squadId}/athletes',
      flag: flagNameFor('squad-athletes-list'),
      handler: handlers.athletes,
      stickiness: TENANT_STICKINESS,
      shadow: shadowSettings(BASE_COMPARE_RULES),
    },
  ];
}
