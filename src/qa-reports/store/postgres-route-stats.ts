import { sql, type Kysely } from 'kysely';
import { histogramQuantile } from '../latency-percentile.ts';
import type { QaDatabase } from '../qa-tables.ts';
import type { MatchRatePoint, NotCompared, ReportStore, RouteStats, TimeWindow } from '../report-store.ts';
import { routeFigures, type RouteCounts } from '../route-figures.ts';

type Db = Kysely<QaDatabase>;
type Totals = Record<Exclude<keyof RouteCounts, 'accepted' | 'syncLag'>, string> & { sync_lag: string };
type HistogramRow = { route_id: string; side: 'legacy' | 'new'; i: number; n: string };
type ReasonRow = { route_id: string; outcome: NotCompared['outcome']; reason: string; n: string };
type GroupRow = { route_id: string; open: string; defect: string; accepted: string };

/** The read side's numbers: counts, match rates and latency per route, from the shadow store's minutes. */
export function createPostgresRouteStats(db: Db): Pick<ReportStore, 'routeStats' | 'matchRateSeries'> {
  return {
    routeStats: (routeIds, window) => routeStats(db, routeIds, window),
    matchRateSeries: (routeId, window, buckets) => matchRateSeries(db, routeId, window, buckets),
  };
}

// Aggregated in PostgreSQL: a 14-day window is 20 160 minute rows per route, which should not
// travel to the admin process to be summed.
const totals = (db: Db, routeIds: readonly string[], window: TimeWindow) =>
  sql<{ route_id: string } & Totals>`
    SELECT route_id, sum(match) AS match, sum(mismatch) AS mismatch, sum(noise) AS noise,
           sum(error) AS error, sum(skipped) AS skipped, sum(dropped) AS dropped,
           sum(unsampled) AS unsampled, sum(sync_lag) AS sync_lag
    FROM strangler.shadow_minute
    WHERE route_id = ANY(${[...routeIds]}::text[]) AND minute >= ${window.from} AND minute < ${window.to}
    GROUP BY route_id`.execute(db);

const histograms = (db: Db, routeIds: readonly string[], window: TimeWindow) =>
  sql<HistogramRow>`
    SELECT m.route_id, 'legacy' AS side, b.i::int AS i, sum(b.n) AS n
    FROM strangler.shadow_minute m, unnest(m.legacy_latency_buckets) WITH ORDINALITY AS b(n, i)
    WHERE m.route_id = ANY(${[...routeIds]}::text[]) AND m.minute >= ${window.from} AND m.minute < ${window.to}
    GROUP BY m.route_id, b.i
    UNION ALL
    SELECT m.route_id, 'new' AS side, b.i::int AS i, sum(b.n) AS n
    FROM strangler.shadow_minute m, unnest(m.new_latency_buckets) WITH ORDINALITY AS b(n, i)
    WHERE m.route_id = ANY(${[...routeIds]}::text[]) AND m.minute >= ${window.from} AND m.minute < ${window.to}
    GROUP BY m.route_id, b.i`.execute(db);

const reasons = (db: Db, routeIds: readonly string[], window: TimeWindow) =>
  sql<ReasonRow>`
    SELECT route_id, outcome, reason, sum(count) AS n
    FROM strangler.shadow_minute_reason
    WHERE route_id = ANY(${[...routeIds]}::text[]) AND minute >= ${window.from} AND minute < ${window.to}
    GROUP BY route_id, outcome, reason
    ORDER BY route_id, n DESC, outcome, reason`.execute(db);

// Groups seen in the window by status, and the occurrences in the window of the accepted ones: those
// mismatches were counted as such when they happened and leave the mismatch count once accepted.
const groupCounts = (db: Db, routeIds: readonly string[], window: TimeWindow) =>
  sql<GroupRow>`
    SELECT g.route_id,
           count(*) FILTER (WHERE g.status = 'open' AND g.last_seen >= ${window.from} AND g.first_seen < ${window.to}) AS open,
           count(*) FILTER (WHERE g.status = 'defect' AND g.last_seen >= ${window.from} AND g.first_seen < ${window.to}) AS defect,
           coalesce(sum((SELECT sum(m.count) FROM strangler.shadow_group_minute m
                         WHERE m.group_id = g.id AND m.minute >= ${window.from} AND m.minute < ${window.to}))
                    FILTER (WHERE g.status = 'accepted'), 0) AS accepted
    FROM strangler.shadow_group g
    WHERE g.route_id = ANY(${[...routeIds]}::text[])
    GROUP BY g.route_id`.execute(db);

async function routeStats(
  db: Db,
  routeIds: readonly string[],
  window: TimeWindow,
): Promise<Map<string, RouteStats>> {
  const out = new Map<string, RouteStats>();
  if (routeIds.length === 0) return out;
  const [sums, buckets, why, groups] = await Promise.all([
    totals(db, routeIds, window),
    histograms(db, routeIds, window),
    reasons(db, routeIds, window),
    groupCounts(db, routeIds, window),
  ]);
  const groupsBy = new Map(groups.rows.map((g) => [g.route_id, g]));
  const sumsBy = new Map(sums.rows.map((r) => [r.route_id, r]));
  for (const routeId of routeIds) {
    const g = groupsBy.get(routeId);
    out.set(routeId, {
      routeId,
      ...routeFigures(counts(sumsBy.get(routeId), g)),
      latency: latency(routeId, buckets.rows),
      openGroups: Number(g?.open ?? 0),
      defectGroups: Number(g?.defect ?? 0),
      notCompared: why.rows
        .filter((w) => w.route_id === routeId)
        .map((w) => ({ outcome: w.outcome, reason: w.reason, count: Number(w.n) })),
    });
  }
  return out;
}

function counts(r: Totals | undefined, g: GroupRow | undefined): RouteCounts {
  const n = (v: string | undefined): number => Number(v ?? 0);
  return {
    match: n(r?.match),
    mismatch: n(r?.mismatch),
    noise: n(r?.noise),
    error: n(r?.error),
    skipped: n(r?.skipped),
    dropped: n(r?.dropped),
    unsampled: n(r?.unsampled),
    syncLag: n(r?.sync_lag),
    accepted: n(g?.accepted),
  };
}

function latency(routeId: string, rows: readonly HistogramRow[]): RouteStats['latency'] {
  const histogram = (side: 'legacy' | 'new'): number[] => {
    const h: number[] = [];
    for (const b of rows) {
      if (b.route_id === routeId && b.side === side) h[b.i - 1] = Number(b.n ?? 0);
    }
    return Array.from(h, (n) => n ?? 0);
  };
  const legacy = histogram('legacy');
  const candidate = histogram('new');
  return {
    legacyP50Ms: histogramQuantile(0.5, legacy),
    legacyP99Ms: histogramQuantile(0.99, legacy),
    newP50Ms: histogramQuantile(0.5, candidate),
    newP99Ms: histogramQuantile(0.99, candidate),
  };
}

async function matchRateSeries(
  db: Db,
  routeId: string,
  window: TimeWindow,
  buckets: number,
): Promise<MatchRatePoint[]> {
  const span = window.to.getTime() - window.from.getTime();
  const widthMs = span / buckets;
  const bucketOf = sql`least(${buckets - 1}, floor(extract(epoch FROM (minute - ${window.from}::timestamptz)) * 1000 / ${widthMs}))::int`;
  const rows = await sql<{
    bucket: number;
    match: string;
    noise: string;
    mismatch: string;
    accepted: string;
  }>`
    SELECT bucket, sum(match) AS match, sum(noise) AS noise, sum(mismatch) AS mismatch, sum(accepted) AS accepted
    FROM (
      -- A read whose difference the sync's lag explained agreed in the end.
      SELECT ${bucketOf} AS bucket, match + sync_lag AS match, noise, mismatch, 0 AS accepted
      FROM strangler.shadow_minute
      WHERE route_id = ${routeId} AND minute >= ${window.from} AND minute < ${window.to}
      UNION ALL
      SELECT ${bucketOf}, 0, 0, 0, m.count
      FROM strangler.shadow_group_minute m JOIN strangler.shadow_group g ON g.id = m.group_id
      WHERE g.route_id = ${routeId} AND g.status = 'accepted' AND m.minute >= ${window.from} AND m.minute < ${window.to}
    ) t
    GROUP BY bucket`.execute(db);
  const acc = Array.from({ length: buckets }, () => ({ match: 0, noise: 0, mismatch: 0, accepted: 0 }));
  for (const r of rows.rows) {
    const b = acc[r.bucket];
    if (b === undefined) continue;
    b.match += Number(r.match);
    b.noise += Number(r.noise);
    b.mismatch += Number(r.mismatch);
    b.accepted += Number(r.accepted);
  }
  return acc.map((b, i): MatchRatePoint => {
    const figures = routeFigures({ ...b, error: 0, skipped: 0, dropped: 0, unsampled: 0 });
    return {
      at: new Date(window.from.getTime() + (i + 1) * widthMs),
      compared: figures.compared,
      matchRate: figures.matchRate,
    };
  });
}
