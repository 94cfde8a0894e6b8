import { flagNameFor, type RouteRecord } from '../../src/routing/route.ts';
import {
  BASE_COMPARE_RULES,
  createCompareRules,
  shadowSettings,
  TENANT_STICKINESS,
} from '../shared/route-defaults.ts';
import { createWellnessHandlers, type WellnessHandlerDeps } from './wellness-handlers.ts';

export function createWellnessRoutes(deps: WellnessHandlerDeps): RouteRecord[] {
  const handlers = createWellnessHandlers(deps);
  return [
    {
      id: 'wellness-list',
      methods: ['GET'],
      path: '/api/athletes/{id}/wellness',
      flag: flagNameFor('wellness-list'),
      handler: handlers.list,
      stickiness: TENANT_STICKINESS,
      shadow: shadowSettings(BASE_COMPARE_RULES),
    },
    {
      id: 'wellness-create',
      methods: ['POST'],
      path: '/api/athletes/{id}/wellness',
      flag: flagNameFor('wellness-create'),
      handler: handlers.create,
      stickiness: TENANT_STICKINESS,
      shadow: shadowSettings(createCompareRules('WellnessEntryId', ['CreatedAt'])),
    },
  ];
}
