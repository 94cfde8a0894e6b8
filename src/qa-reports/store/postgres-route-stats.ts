import { sql, type Kysely } from 'kysely';
import { histogramQuantile } from '../latency-percentile.ts';
import type { QaDatabase } from '../qa-tables.ts';
import type { MatchRatePoint, ReportStore, RouteStats, TimeWindow } from '../report-store.ts';

type Db = Kysely<QaDatabase>;
type Totals = { match: string; mismatch: string; noise: string; error: string; skipped: string };
type HistogramRow = { route_id: string; side: 'legacy' | 'new'; i: number; n: string };
type ReasonRow = { route_id: string; outcome: 'skipped' | 'error'; reason: string; n: string };

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
           sum(error) AS error, sum(skipped) AS skipped
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

const openGroups = (db: Db, routeIds: readonly string[], window: TimeWindow) =>
  db
    .selectFrom('strangler.shadow_group')
    .select(['route_id', sql<string>`count(*)`.as('n')])
    .where('route_id', 'in', routeIds)
    .where('status', '=', 'open')
    .where('last_seen', '>=', window.from)
    .where('first_seen', '<', window.to)
    .groupBy('route_id')
    .execute();

async function routeStats(
  db: Db,
  routeIds: readonly string[],
  window: TimeWindow,
): Promise<Map<string, RouteStats>> {
  const out = new Map<string, RouteStats>();
  if (routeIds.length === 0) return out;
  const [sums, buckets, why, open] = await Promise.all([
    totals(db, routeIds, window),
    histograms(db, routeIds, window),
    reasons(db, routeIds, window),
    openGroups(db, routeIds, window),
  ]);
  const openBy = new Map(open.map((o) => [o.route_id, Number(o.n)]));
  const sumsBy = new Map(sums.rows.map((r) => [r.route_id, r]));
  for (const routeId of routeIds) {
    out.set(routeId, {
      ...counts(routeId, sumsBy.get(routeId)),
      latency: latency(routeId, buckets.rows),
      openGroups: openBy.get(routeId) ?? 0,
      notCompared: why.rows
        .filter((w) => w.route_id === routeId)
        .map((w) => ({ outcome: w.outcome, reason: w.reason, count: Number(w.n) })),
    });
  }
  return out;
}

function counts(routeId: string, r: Totals | undefined) {
  const [match, mismatch, noise, error, skipped] = [
    r?.match,
    r?.mismatch,
    r?.noise,
    r?.error,
    r?.skipped,
  ].map((v) => Number(v ?? 0)) as [number, number, number, number, number];
  return {
    routeId,
    total: match + mismatch + noise + error + skipped,
    match,
    mismatch,
    noise,
    error,
    skipped,
    matchRate: matchRate(match, noise, mismatch),
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
  const rows = await sql<{ bucket: number; match: string; noise: string; mismatch: string }>`
    SELECT least(${buckets - 1}, floor(extract(epoch FROM (minute - ${window.from}::timestamptz)) * 1000 / ${widthMs}))::int AS bucket,
           sum(match) AS match, sum(noise) AS noise, sum(mismatch) AS mismatch
    FROM strangler.shadow_minute
    WHERE route_id = ${routeId} AND minute >= ${window.from} AND minute < ${window.to}
    GROUP BY 1`.execute(db);
  const acc = Array.from({ length: buckets }, () => ({ match: 0, noise: 0, mismatch: 0 }));
  for (const r of rows.rows) {
    const b = acc[r.bucket];
    if (b === undefined) continue;
    b.match += Number(r.match);
    b.noise += Number(r.noise);
    b.mismatch += Number(r.mismatch);
  }
  return acc.map((b, i): MatchRatePoint => ({
    at: new Date(window.from.getTime() + (i + 1) * widthMs),
    compared: b.match + b.noise + b.mismatch,
    matchRate: matchRate(b.match, b.noise, b.mismatch),
  }));
}

/** Noise-only comparisons agree once noise is excluded; errors and skips say nothing about agreement. */
function matchRate(match: number, noise: number, mismatch: number): number | null {
  const compared = match + noise + mismatch;
  return compared === 0 ? null : (match + noise) / compared;
}
