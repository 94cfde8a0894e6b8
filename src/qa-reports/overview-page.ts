import { markup } from './html.ts';
import { layoutPage, millis, percent, scrollBox, type PageContext } from './layout-page.ts';
import { matchRateChart } from './match-rate-chart.ts';
import { notComparedList, sampleRateText, syncLagNote } from './not-compared-view.ts';
import type { MatchRatePoint, RouteStats } from './report-store.ts';
import { windowFilter, windowQuery, type WindowChoice } from './time-window.ts';

export interface OverviewRow {
  readonly routeId: string;
  readonly methods: readonly string[];
  readonly path: string;
  readonly mode: string;
  readonly stats: RouteStats | undefined;
  readonly series: readonly MatchRatePoint[];
}

export function overviewPage(
  rows: readonly OverviewRow[],
  choice: WindowChoice,
  context: PageContext,
): string {
  const exportLink = (format: string) =>
    markup`<a href="/reports/export?${windowQuery(choice)}&amp;format=${format}">${format.toUpperCase()}</a>`;
  const body = markup`${windowFilter('/reports', choice, undefined)}
    <p class="export">Export this window for sign-off: ${exportLink('html')} · ${exportLink('csv')} · ${exportLink('json')}</p>
    ${scrollBox(
      'Routes',
      markup`<table class="routes">
      <thead>
        <tr>
          <th>Route</th>
          <th>Method and path</th>
          <th>Mode</th>
          <th>Compared<br /><span class="muted">of eligible (effective sample rate)</span></th>
          <th>Match rate<br /><span class="muted">noise and accepted agree</span></th>
          <th>Open diff groups</th>
          <th>Open defects</th>
          <th>Legacy p50 / p99</th>
          <th>New p50 / p99</th>
          <th>Match rate over time</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map((r) => {
          const s = r.stats;
          const rateClass = s?.matchRate === null || s === undefined ? '' : s.matchRate < 1 ? 'bad' : 'good';
          return markup`<tr data-route="${r.routeId}">
            <td>
              <a href="/reports/routes/${encodeURIComponent(r.routeId)}?${windowQuery(choice)}">${r.routeId}</a>
            </td>
            <td><code>${r.methods.join(', ')} ${r.path}</code></td>
            <td>${r.mode}</td>
            <td class="num sample-rate">${sampleRateText(s)}${notComparedList(s)}${syncLagNote(s)}</td>
            <td class="num match-rate ${rateClass}">${percent(s?.matchRate ?? null)}</td>
            <td class="num open-groups">${s?.openGroups ?? 0}</td>
            <td class="num open-defects">${s?.defectGroups ?? 0}</td>
            <td class="num">
              ${millis(s?.latency.legacyP50Ms ?? null)} / ${millis(s?.latency.legacyP99Ms ?? null)}
            </td>
            <td class="num">
              ${millis(s?.latency.newP50Ms ?? null)} / ${millis(s?.latency.newP99Ms ?? null)}
            </td>
            <td>${matchRateChart(r.series, `Match rate of ${r.routeId} over time`, { compact: true })}</td>
          </tr>`;
        })}
      </tbody>
    </table>`,
    )}`;
  return layoutPage('Shadow comparison by route', body, context);
}
