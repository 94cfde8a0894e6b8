import type { Logger } from '../../observability/logger.ts';
import type { RouteRecord } from '../../routing/route.ts';
import type { ShadowMetrics } from '../start-shadow.ts';
import type { ShadowThreadRoutes, ShadowThreadRoutesModule } from './shadow-thread-options.ts';

/** Builds the shadow thread's route records with the routes module's factory. */
export async function loadThreadRoutes(routes: ShadowThreadRoutesModule): Promise<ShadowThreadRoutes> {
  const factoryModule = (await import(routes.module)) as Record<string, unknown>;
  const exportName = routes.exportName ?? 'createShadowThreadRoutes';
  const factory = factoryModule[exportName];
  if (typeof factory !== 'function') throw new Error(`${routes.module} exports no function ${exportName}`);
  return (await (factory as (options: unknown) => Promise<ShadowThreadRoutes> | ShadowThreadRoutes)(
    routes.options,
  )) satisfies ShadowThreadRoutes;
}

/**
 * A route record by the id the proxy's thread sent. An unknown id (the routes module builds other
 * routes than the proxy serves) is counted as a drop and logged once.
 */
export function routeLookup(
  routes: readonly RouteRecord[],
  metrics: ShadowMetrics,
  logger: Logger,
): (routeId: string) => RouteRecord | undefined {
  const byId = new Map<string, RouteRecord>(routes.map((route) => [route.id, route]));
  const unknownRoutes = new Set<string>();
  return (routeId) => {
    const route = byId.get(routeId);
    if (route === undefined) {
      metrics.shadowDropped.inc({ reason: 'unknown_route' });
      if (!unknownRoutes.has(routeId)) {
        unknownRoutes.add(routeId);
        logger.error('shadow thread has no route with this id; its exchanges are dropped', {
          route: routeId,
        });
      }
    }
    return route;
  };
}
