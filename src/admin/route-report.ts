import type { FlagResolver } from '../../flags/flag-resolver.ts';
import type { Metrics } from '../observability/metrics.ts';
import { effectiveRouteMode } from '../observability/route-mode-gauge.ts';
import type { HttpMethod, Mode, RouteRecord } from '../routing/route.ts';

/** Requests by serving side, then by status class (`2xx`, `5xx`, ...). */
export type TrafficCounts = Record<string, Record<string, number>>;

export interface RouteSummary {
  readonly id: string;
  readonly methods: readonly HttpMethod[];
  readonly path: string;
  readonly flag: string;
  /** What the route does now (kill switch applied). */
  readonly mode: Mode;
  readonly requests: { readonly total: number; readonly byTarget: TrafficCounts };
  readonly fallbacks: number;
  readonly circuitOpen: boolean;
}

export interface RouteReport {
  readonly killSwitch: boolean;
  readonly routes: readonly RouteSummary[];
  /** Traffic counted under a route label that is no route id: the catch-all to legacy. */
  readonly unrouted: Readonly<Record<string, { readonly total: number; readonly byTarget: TrafficCounts }>>;
}

/**
 * Built from the live metrics registry at request time, so the numbers are exactly what Prometheus
 * scrapes, and the hot path pays nothing extra for this page.
 */
export async function buildRouteReport(
  routes: readonly RouteRecord[],
  flags: Pick<FlagResolver, 'currentMode' | 'killSwitchOn'>,
  metrics: Pick<Metrics, 'requests' | 'fallbacks' | 'circuitOpen'>,
): Promise<RouteReport> {
  const [requests, fallbacks, circuits] = await Promise.all([
    metrics.requests.get(),
    metrics.fallbacks.get(),
    metrics.circuitOpen.get(),
  ]);
  const traffic = new Map<string, { total: number; byTarget: TrafficCounts }>();
  for (const { labels, value } of requests.values) {
    const route = String(labels.route ?? '');
    const target = String(labels.target ?? 'unknown');
    const status = statusClass(labels.status);
    let entry = traffic.get(route);
    if (entry === undefined) traffic.set(route, (entry = { total: 0, byTarget: {} }));
    const byStatus = (entry.byTarget[target] ??= {});
    byStatus[status] = (byStatus[status] ?? 0) + value;
    entry.total += value;
  }
  const sumBy = (values: readonly { labels: Partial<Record<string, string | number>>; value: number }[]) => {
    const sums = new Map<string, number>();
    for (const { labels, value } of values) {
      const route = String(labels.route ?? '');
      sums.set(route, (sums.get(route) ?? 0) + value);
    }
    return sums;
  };
  const fallbackCounts = sumBy(fallbacks.values);
  const openCircuits = sumBy(circuits.values);

  let killSwitch = false;
  try {
    killSwitch = flags.killSwitchOn();
  } catch {
    // A resolver must not throw; if one does, the per-route modes below already read as legacy.
  }
  const ids = new Set(routes.map((r) => r.id));
  return {
    killSwitch,
    routes: routes.map((route) => ({
      id: route.id,
      methods: route.methods,
      path: route.path,
      flag: route.flag,
      mode: effectiveRouteMode(flags, route.flag),
      requests: traffic.get(route.id) ?? { total: 0, byTarget: {} },
      fallbacks: fallbackCounts.get(route.id) ?? 0,
      circuitOpen: (openCircuits.get(route.id) ?? 0) > 0,
    })),
    unrouted: Object.fromEntries([...traffic].filter(([route]) => !ids.has(route))),
  };
}

function statusClass(status: string | number | undefined): string {
  const text = String(status ?? 'unknown');
  return /^[1-5]\d\d$/.test(text) ? `${text[0]}xx` : text;
}
