import { markup, type SafeHtml } from './html.ts';
import { csrfField, layoutPage, percent, timestamp, type PageContext } from './layout-page.ts';
import { matchRateChart } from './match-rate-chart.ts';
import type { RouteReport } from './report-builder.ts';
import { GROUP_STATUSES, type DiffGroup, type GroupStatus, type IgnoreRule } from './report-store.ts';
import { notComparedList, sampleRateText, syncLagNote } from './not-compared-view.ts';
import type { ReadinessVerdict } from './readiness-verdict.ts';
import { readinessSection } from './readiness-view.ts';
import { windowFilter, type WindowChoice } from './time-window.ts';

/**
 * A route's report and the group status its page is filtered to. Without a readiness verdict (pages
 * built from figures alone) the page has no readiness section.
 */
export interface RoutePageData extends Omit<RouteReport, 'readiness'> {
  readonly readiness?: ReadinessVerdict;
  readonly status: GroupStatus | undefined;
}

export function diffPathsList(group: DiffGroup): SafeHtml {
  return markup`<ul class="paths">
    ${group.paths.map((p) => markup`<li><code>${p.path}</code> <span class="muted">${p.kind}</span></li>`)}
  </ul>`;
}

export function routePage(data: RoutePageData, choice: WindowChoice, context: PageContext): string {
  const action = `/reports/routes/${encodeURIComponent(data.routeId)}`;
  const statusSelect = markup`<label
    >Status
    <select name="status">
      <option value="">any</option>
      ${GROUP_STATUSES.map(
        (s) => markup`<option value="${s}" ${s === data.status ? markup` selected` : markup``}>${s}</option>`,
      )}
    </select></label
  >`;
  const body = markup`<p>
      <code>${data.methods.join(', ')} ${data.path}</code> · mode <strong>${data.mode}</strong> · match rate
      <strong class="match-rate">${percent(data.stats?.matchRate ?? null)}</strong> over
      ${data.stats?.compared ?? 0} comparisons (${data.stats?.noise ?? 0} noise-only,
      ${data.stats?.accepted ?? 0} accepted, <span class="mismatches">${data.stats?.mismatch ?? 0}</span>
      mismatches; ${data.stats?.defectGroups ?? 0} open defects) · effective sample rate
      <span class="sample-rate">${sampleRateText(data.stats)}</span> (compared of eligible requests)
    </p>
    ${notComparedList(data.stats)}
    ${syncLagNote(data.stats)}
    ${windowFilter(action, choice, statusSelect)}
    ${data.readiness === undefined ? markup`` : readinessSection(data.readiness)}
    ${matchRateChart(data.series, `Match rate of ${data.routeId}`)}
    <h2>Diff groups</h2>
    ${
      data.groups.length === 0
        ? markup`<p class="muted">No diff group in this window.</p>`
        : markup`<table class="groups">
            <thead>
              <tr>
                <th>Differing paths</th>
                <th>Count</th>
                <th>First seen</th>
                <th>Last seen</th>
                <th>Status</th>
                <th><span class="visually-hidden">Samples and actions</span></th>
              </tr>
            </thead>
            <tbody>
              ${data.groups.map(
                (g) =>
                  markup`<tr data-group="${g.id}">
                    <td>${diffPathsList(g)}</td>
                    <td class="num">${g.count}</td>
                    <td>${timestamp(g.firstSeen)}</td>
                    <td>${timestamp(g.lastSeen)}</td>
                    <td class="status-${g.status}">
                      ${g.status}${g.statusNote === null ? markup`` : markup`<br /><span class="muted">${g.statusNote}</span>`}
                    </td>
                    <td><a href="/reports/groups/${encodeURIComponent(g.id)}">Samples and actions</a></td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <h2>Active ignore rules</h2>
    ${rulesTable(data.rules, context)}`;
  return layoutPage(`Route ${data.routeId}`, body, context);
}

/** Each accepted difference of a rule in words: where, which kind, and what is equal there. */
export function equivalenceList(rule: IgnoreRule): SafeHtml {
  return markup`<ul class="paths">
    ${rule.equivalences.map(
      (e) => markup`<li><code>${e.path}</code> <span class="muted">${e.kind}</span>: ${e.words}</li>`,
    )}
  </ul>`;
}

export function rulesTable(rules: readonly IgnoreRule[], context: PageContext): SafeHtml {
  if (rules.length === 0)
    return markup`<p class="muted">No accepted difference: every differing path counts.</p>`;
  return markup`<table class="rules">
    <thead>
      <tr>
        <th>Accepted differences</th>
        <th>Why</th>
        <th>Who</th>
        <th>When</th>
        <th><span class="visually-hidden">Actions</span></th>
      </tr>
    </thead>
    <tbody>
      ${rules.map(
        (r) =>
          markup`<tr data-rule="${r.id}">
            <td>${equivalenceList(r)}</td>
            <td>${r.reason}</td>
            <td>${r.createdBy}</td>
            <td>${timestamp(r.createdAt)}</td>
            <td>
              ${
                context.role === 'operator'
                  ? markup`<form
                      method="post"
                      action="/reports/rules/${encodeURIComponent(r.id)}/revoke"
                      class="inline"
                    >
                      ${csrfField(context)}
                      <input
                        name="reason"
                        required
                        placeholder="why revoke"
                        aria-label="Reason to revoke"
                      /><button type="submit">Revoke</button>
                    </form>`
                  : markup`<span class="muted">operator can revoke</span>`
              }
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
