import { markup } from './html.ts';
import { csrfField, layoutPage, timestamp, type PageContext } from './layout-page.ts';
import type { DiffGroup, SampleSummary } from './report-store.ts';
import { diffPathsList } from './route-page.ts';

export function groupPage(group: DiffGroup, samples: readonly SampleSummary[], context: PageContext): string {
  const routeLink = `/reports/routes/${encodeURIComponent(group.routeId)}`;
  const base = `/reports/groups/${encodeURIComponent(group.id)}`;
  const body = markup`<p>
      Route <a href="${routeLink}">${group.routeId}</a> · fingerprint <code>${group.fingerprint}</code>
    </p>
    <table>
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
        ${
          group.statusBy === null
            ? markup``
            : markup`<tr>
                <th>Changed by</th>
                <td>${group.statusBy} at ${timestamp(group.statusAt)}</td>
              </tr>`
        }
        ${
          group.statusNote === null
            ? markup``
            : markup`<tr>
                <th>Note</th>
                <td>${group.statusNote}</td>
              </tr>`
        }
        ${
          group.statusLink === null
            ? markup``
            : markup`<tr>
                <th>Link</th>
                <td>${safeLink(group.statusLink)}</td>
              </tr>`
        }
      </tbody>
    </table>
    <h2>Differing paths</h2>
    ${diffPathsList(group)}
    <h2>Samples</h2>
    ${
      samples.length === 0
        ? markup`<p class="muted">No sample kept for this group.</p>`
        : markup`<ul class="samples">
            ${samples.map(
              (s) =>
                markup`<li>
                  <a class="sample-link" href="/reports/samples/${encodeURIComponent(s.id)}"
                    >${timestamp(s.capturedAt)} ${s.method} ${s.path}</a
                  >
                  <span class="muted">legacy ${s.legacyStatus ?? '–'} / new ${s.newStatus ?? '–'}</span>
                </li>`,
            )}
          </ul>`
    }
    <h2>Decide</h2>
    <div class="side-by-side">
      <form method="post" action="${base}/accept" class="stack" id="accept-form">
        ${csrfField(context)}
        <label
          >Accept as expected: reason <textarea name="reason" required maxlength="2000"></textarea>
        </label>
        <button type="submit">Accept (ignore these paths from now on)</button>
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
  return layoutPage(`Diff group on ${group.routeId}`, body, context);
}

/** Only http(s) links become anchors: a stored `javascript:` URL would otherwise run on click. */
function safeLink(link: string) {
  return /^https?:\/\//i.test(link)
    ? markup`<a href="${link}" rel="noopener noreferrer">${link}</a>`
    : markup`<code>${link}</code>`;
}
