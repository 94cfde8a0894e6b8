import { markup, type SafeHtml } from './html.ts';
import { millis, percent, timestamp } from './layout-page.ts';
import { matchRateChart } from './match-rate-chart.ts';
import type { RouteReport } from './report-builder.ts';
import { equivalenceList } from './route-page.ts';
import { notComparedList, sampleRateText, syncLagNote } from './not-compared-view.ts';
import type { ReportStore, RouteStats, TimeWindow } from './report-store.ts';
import { REPORTS_CSS } from './reports-css.ts';

/** A sign-off report for chosen routes and a time window, in a form every format shares. */
export interface DiffReport {
  readonly generatedAt: Date;
  readonly window: TimeWindow;
  readonly routes: readonly DiffReportRoute[];
}

/** A route's report without what only the pages show (methods, path, current mode). */
export type DiffReportRoute = Pick<RouteReport, 'routeId' | 'stats' | 'series' | 'groups' | 'rules'>;

export type DiffReportFormat = 'json' | 'csv' | 'html';
export const DIFF_REPORT_FORMATS: readonly DiffReportFormat[] = ['json', 'csv', 'html'];

export async function buildDiffReport(
  store: ReportStore,
  routeIds: readonly string[],
  window: TimeWindow,
  now: Date = new Date(),
): Promise<DiffReport> {
  const stats = await store.routeStats(routeIds, window);
  const routes = await Promise.all(
    routeIds.map(async (routeId) => ({
      routeId,
      stats: stats.get(routeId),
      series: await store.matchRateSeries(routeId, window, 24),
      groups: await store.listGroups(routeId, { window }),
      rules: await store.activeRules(routeId),
    })),
  );
  return { generatedAt: now, window, routes };
}

export function renderDiffReport(report: DiffReport, format: DiffReportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'csv':
      return diffReportCsv(report);
    case 'html':
      return diffReportHtml(report);
  }
}

// ------------------------------------------------------------------ CSV

const CSV_COLUMNS = [
  'route_id',
  'compared',
  'match_rate',
  'mismatch',
  'accepted',
  'sync_lag',
  'open_groups',
  'open_defects',
  'eligible',
  'effective_sample_rate',
  'not_compared',
  'fingerprint',
  'status',
  'count',
  'first_seen',
  'last_seen',
  'differing_paths',
  'status_note',
  'status_link',
  'status_by',
] as const;

/**
 * A text cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, or a leading tab / CR) gets
 * a leading apostrophe (OWASP "CSV Injection"); sample-derived text is attacker input.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'number' ? String(value) : value;
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  // RFC 4180 §2: quote fields with a comma, quote or line break; double embedded quotes.
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The route's figures as the overview shows them (RouteStats, from route-figures.ts). */
function routeCells(routeId: string, s: RouteStats | undefined): (string | number | null)[] {
  return [
    routeId,
    s?.compared ?? 0,
    s?.matchRate ?? null,
    s?.mismatch ?? 0,
    s?.accepted ?? 0,
    s?.syncLag ?? 0,
    s?.openGroups ?? 0,
    s?.defectGroups ?? 0,
    s?.eligible ?? 0,
    s?.effectiveSampleRate ?? null,
    (s?.notCompared ?? []).map((n) => `${n.count} ${n.outcome} ${n.reason}`).join('; '),
  ];
}

function diffReportCsv(report: DiffReport): string {
  const rows: (string | number | null)[][] = [];
  for (const r of report.routes) {
    const base = routeCells(r.routeId, r.stats);
    if (r.groups.length === 0) rows.push([...base, null, null, null, null, null, null, null, null, null]);
    for (const g of r.groups) {
      rows.push([
        ...base,
        g.fingerprint,
        g.status,
        g.count,
        g.firstSeen.toISOString(),
        g.lastSeen.toISOString(),
        g.paths.map((p) => `${p.kind} ${p.path}`).join('; '),
        g.statusNote,
        g.statusLink,
        g.statusBy,
      ]);
    }
  }
  // RFC 4180 §2: records end with CRLF.
  return [CSV_COLUMNS.join(','), ...rows.map((row) => row.map(csvCell).join(','))].join('\r\n') + '\r\n';
}

// ------------------------------------------------------------------ HTML

/**
 * One file that opens anywhere offline: CSS inline, no script, no external reference. Its own CSP
 * meta tag keeps any markup that slipped into the data inert even when opened from disk.
 */
function diffReportHtml(report: DiffReport): string {
  const sections = report.routes.map((r) => routeSection(r));
  const doc = markup`<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>strangler diff report ${timestamp(report.window.from)} – ${timestamp(report.window.to)}</title>
<style>${REPORTS_CSS}</style></head><body><main>
<h1>Shadow diff report</h1>
<p>Window ${report.window.from.toISOString()} – ${report.window.to.toISOString()} · generated ${report.generatedAt.toISOString()}</p>
<table><thead><tr><th>Route</th><th>Compared of eligible (effective sample rate)</th><th>Match rate (noise and accepted agree)</th><th>Mismatches</th><th>Open groups</th><th>Open defects</th><th>Legacy p50 / p99</th><th>New p50 / p99</th></tr></thead>
<tbody>${report.routes.map(
    (
      r,
    ) => markup`<tr><td><a href="#route-${r.routeId}">${r.routeId}</a></td><td class="num">${sampleRateText(r.stats)}</td>
<td class="num">${percent(r.stats?.matchRate ?? null)}</td><td class="num">${r.stats?.mismatch ?? 0}</td>
<td class="num">${r.stats?.openGroups ?? 0}</td><td class="num">${r.stats?.defectGroups ?? 0}</td>
<td class="num">${millis(r.stats?.latency.legacyP50Ms ?? null)} / ${millis(r.stats?.latency.legacyP99Ms ?? null)}</td>
<td class="num">${millis(r.stats?.latency.newP50Ms ?? null)} / ${millis(r.stats?.latency.newP99Ms ?? null)}</td></tr>`,
  )}</tbody></table>${sections}</main></body></html>`;
  return `<!doctype html>\n${doc.value}\n`;
}

function routeSection(r: DiffReportRoute): SafeHtml {
  return markup`<section id="route-${r.routeId}"><h2>${r.routeId}</h2>${notComparedList(r.stats)}${syncLagNote(r.stats)}
${matchRateChart(r.series, `Match rate of ${r.routeId}`)}
<h3>Diff groups</h3>${
    r.groups.length === 0
      ? markup`<p class="muted">No difference in this window.</p>`
      : markup`<table><thead><tr><th>Differing paths</th><th>Count</th><th>First seen</th><th>Last seen</th><th>Status</th><th>Note</th></tr></thead><tbody>
${r.groups.map(
  (
    g,
  ) => markup`<tr><td>${g.paths.map((p) => markup`<code>${p.path}</code> <span class="muted">${p.kind}</span><br>`)}</td>
<td class="num">${g.count}</td><td>${timestamp(g.firstSeen)}</td><td>${timestamp(g.lastSeen)}</td>
<td class="status-${g.status}">${g.status}</td><td>${g.statusNote ?? ''}${g.statusLink === null ? '' : markup` <code>${g.statusLink}</code>`}${g.statusBy === null ? '' : markup` <span class="muted">(${g.statusBy})</span>`}</td></tr>`,
)}</tbody></table>`
  }
<h3>Accepted differences (ignore rules)</h3>${
    r.rules.length === 0
      ? markup`<p class="muted">None.</p>`
      : markup`<table><thead><tr><th>Accepted differences</th><th>Why</th><th>Who</th><th>When</th></tr></thead><tbody>${r.rules.map(
          (rule) =>
            markup`<tr><td>${equivalenceList(rule)}</td><td>${rule.reason}</td><td>${rule.createdBy}</td><td>${timestamp(rule.createdAt)}</td></tr>`,
        )}</tbody></table>`
  }</section>`;
}
