import type { FlagResolver } from '../../flags/flag-resolver.ts';
import type { RouteRecord } from '../routing/route.ts';
import type { OverviewRow } from './overview-page.ts';
import {
  readinessEvidence,
  readinessVerdict,
  type ReadinessThresholds,
  type ReadinessVerdict,
} from './readiness-verdict.ts';
import type { DiffGroup, GroupStatus, IgnoreRule, ReportStore, TimeWindow } from './report-store.ts';

export interface ReportBuilderDeps {
  readonly store: ReportStore;
  readonly flags: Pick<FlagResolver, 'currentMode'>;
  readonly seriesBuckets: number;
  readonly readiness: ReadinessThresholds;
}

/** The overview's rows, shared by the page, the JSON API and the export script. */
export async function buildOverview(
  deps: ReportBuilderDeps,
  routes: readonly RouteRecord[],
  window: TimeWindow,
): Promise<OverviewRow[]> {
  const stats = await deps.store.routeStats(
    routes.map((r) => r.id),
    window,
  );
  return Promise.all(
    routes.map(async (r) => ({
      routeId: r.id,
      methods: r.methods,
      path: r.path,
      mode: deps.flags.currentMode(r.flag),
      stats: stats.get(r.id),
      series: await deps.store.matchRateSeries(r.id, window, deps.seriesBuckets),
    })),
  );
}

/** A route's overview row with its diff groups, ignore rules and whether it is ready for its next mode. */
export interface RouteReport extends OverviewRow {
  readonly groups: readonly DiffGroup[];
  readonly rules: readonly IgnoreRule[];
  readonly readiness: ReadinessVerdict;
}

export async function buildRouteReport(
  deps: ReportBuilderDeps,
  route: RouteRecord,
  window: TimeWindow,
  status: GroupStatus | undefined,
): Promise<RouteReport> {
  const [stats, series, groups, rules, serverErrors] = await Promise.all([
    deps.store.routeStats([route.id], window),
    deps.store.matchRateSeries(route.id, window, deps.seriesBuckets),
    deps.store.listGroups(route.id, { window, status }),
    deps.store.activeRules(route.id),
    deps.store.serverErrors(route.id, window),
  ]);
  const mode = deps.flags.currentMode(route.flag);
  const routeStats = stats.get(route.id);
  return {
    routeId: route.id,
    methods: route.methods,
    path: route.path,
    mode,
    stats: routeStats,
    series,
    groups,
    rules,
    readiness: readinessVerdict(mode, readinessEvidence(routeStats, serverErrors), deps.readiness),
  };
}
