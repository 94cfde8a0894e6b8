import { markup, type SafeHtml } from './html.ts';
import { csrfField, layoutPage, timestamp, type PageContext } from './layout-page.ts';
import type { DiffGroup, SampleSummary } from './report-store.ts';
import { diffPathsList } from './route-page.ts';

export function groupPage(group: DiffGroup, samples: readonly SampleSummary[], context: PageContext): string {
  const routeLink = `/reports/routes/${encodeURIComponent(group.routeId)}`;
  const body = markup`<p>
      Route <a href="${routeLink}">${group.routeId}</a> · fingerprint <code>${group.fingerprint}</code>
    </p>
    ${groupFacts(group)}
    <h2>Differing paths</h2>
    ${diffPathsList(group)}
    <h2>Samples</h2>
    ${samplesList(samples)}
    <h2>Decide</h2>
    ${decisionForms(`/reports/groups/${encodeURIComponent(group.id)}`, context)}`;
  return layoutPage(`Diff group on ${group.routeId}`, body, context);
}

/** A heading and value row, or nothing when there is no value. */
function optionalRow(heading: string, value: unknown, cell: () => unknown): SafeHtml {
  return value === null
    ? markup``
    : markup`<tr>
        <th>${heading}</th>
        <td>${cell()}</td>
      </tr>`;
}

function groupFacts(group: DiffGroup): SafeHtml {
  return markup`<table>
      <tbody>
        <tr>
          <th>Status</th>
          <td class="status-${group.status} group-status">${group.status}</td>
        </tr>
        <tr>
          <th>Count</th>
          <td>${group.count}</td>
        </tr>
        <tr>
          <th>First seen</th>
          <td>${timestamp(group.firstSeen)}</td>
        </tr>
        <tr>
          <th>Last seen</th>
          <td>${timestamp(group.lastSeen)}</td>
        </tr>
        ${optionalRow('Changed by', group.statusBy, () => `${group.statusBy} at ${timestamp(group.statusAt)}`)}
        ${optionalRow('Note', group.statusNote, () => group.statusNote)}
        ${optionalRow('Link', group.statusLink, () => safeLink(group.statusLink ?? ''))}
      </tbody>
    </table>`;
}

function samplesList(samples: readonly SampleSummary[]): SafeHtml {
  if (samples.length === 0) return markup`<p class="muted">No sample kept for this group.</p>`;
  return markup`<ul class="samples">
      ${samples.map(
        (s) =>
          markup`<li>
            <a class="sample-link" href="/reports/samples/${encodeURIComponent(s.id)}"
              >${timestamp(s.capturedAt)} ${s.method} ${s.path}</a
            >
            <span class="muted">legacy ${s.legacyStatus ?? '–'} / new ${s.newStatus ?? '–'}</span>
          </li>`,
      )}
    </ul>`;
}

/** Accept, mark as defect, delete: each posts to `<base>/<decision>` (router/decision-routes.ts). */
function decisionForms(base: string, context: PageContext): SafeHtml {
  return markup`<div class="side-by-side">
      <form method="post" action="${base}/accept" class="stack" id="accept-form">
        ${csrfField(context)}
        <label
          >Accept as expected: reason <textarea name="reason" required maxlength="2000"></textarea>
        </label>
        <label
          >Equal from now on when
          <select name="equivalence">
            <option value="exact" selected>exactly these values (the newest sample's)</option>
            <option value="ignore-case">equal ignoring case</option>
            <option value="numeric">equal as numbers within the tolerance</option>
            <option value="instant">equal as instants</option>
            <option value="ignore-member">any value (ignore this member)</option>
          </select></label
        >
        <label>Tolerance (numbers) <input name="tolerance" type="number" min="0" step="any" /></label>
        <button type="submit">Accept this difference</button>
      </form>
      <form method="post" action="${base}/defect" class="stack" id="defect-form">
        ${csrfField(context)}
        <label>Mark as defect: note <textarea name="note" required maxlength="2000"></textarea></label>
        <label>Link (issue tracker) <input name="link" type="url" maxlength="2000" /></label>
        <button type="submit">Mark as defect</button>
      </form>
      <form method="post" action="${base}/delete" class="stack" id="delete-form">
        ${csrfField(context)}
        <label
          >Delete group and samples (operator): reason <input name="reason" required maxlength="2000"
        /></label>
        <button type="submit">Delete group</button>
      </form>
    </div>`;
}

/** Only http(s) links become anchors: a stored `javascript:` URL would otherwise run on click. */
function safeLink(link: string) {
  return /^https?:\/\//i.test(link)
    ? markup`<a href="${link}" rel="noopener noreferrer">${link}</a>`
    : markup`<code>${link}</code>`;
}
