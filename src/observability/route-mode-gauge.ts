import { MODES } from '../routing/route.ts';
import type { Mode, RouteRecord } from '../routing/route.ts';
import type { Metrics } from './metrics.ts';

/** What the gauge reads of the flag resolver (flags/flag-resolver.ts). */
interface ModeSource {
  currentMode(flag: string): Mode;
  killSwitchOn(): boolean;
}

/**
 * The mode a route is really in: the kill switch overrides every flag. A resolver must never throw,
 * but a display path is not worth failing a scrape over, so a throw reads as legacy (the safe side).
 */
export function effectiveRouteMode(flags: ModeSource, flag: string): Mode {
  try {
    if (flags.killSwitchOn()) return 'legacy';
    const mode = flags.currentMode(flag);
    return MODES.includes(mode) ? mode : 'legacy';
  } catch {
    return 'legacy';
  }
}

/**
 * Sets strangler_route_mode{route,mode} to 1 for each route's current mode and 0 for the others.
 * Called on every scrape of /metrics so the gauge is never staler than the scrape itself.
 */
export function refreshRouteModeGauge(
  metrics: Pick<Metrics, 'routeMode'>,
  routes: readonly RouteRecord[],
  flags: ModeSource,
): void {
  for (const route of routes) {
    const current = effectiveRouteMode(flags, route.flag);
    for (const mode of MODES) metrics.routeMode.set({ route: route.id, mode }, mode === current ? 1 : 0);
  }
}
