import { markup, type SafeHtml } from './html.ts';
import { csrfField, layoutPage, timestamp, type PageContext } from './layout-page.ts';
import type { DiffEntry, DiffGroup, SampleSummary } from './report-store.ts';
import { diffPathsList } from './route-page.ts';
import { shownValue } from './json-view.ts';

export function groupPage(group: DiffGroup, samples: readonly SampleSummary[], context: PageContext): string {
  const routeLink = `/reports/routes/${encodeURIComponent(group.routeId)}`;
  const body = markup`<p>
      Route <a href="${routeLink}">${group.routeId}</a> · fingerprint <code>${group.fingerprint}</code>
    </p>
    ${groupFacts(group)}
    <h2>Differing paths</h2>
    ${diffPathsList(group)}
    <h2>Decide</h2>
    ${decisionForms(group, context)}
    <h2>Samples</h2>
    ${samplesList(samples)}`;
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
  return markup`<table class="facts">
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
            ${sampleValues(s.diffs)}
          </li>`,
      )}
    </ul>`;
}

/** Few enough to read at a glance; the sample's page has them all. */
const VALUES_SHOWN = 8;

/** The values that differ in one sample, legacy beside new, under the sample's link. */
function sampleValues(diffs: readonly DiffEntry[]): SafeHtml {
  if (diffs.length === 0) return markup``;
  const rest = diffs.length - VALUES_SHOWN;
  return markup`<table class="sample-diffs">
      <thead>
        <tr>
          <th scope="col">Path</th>
          <th scope="col">Legacy</th>
          <th scope="col">New</th>
        </tr>
      </thead>
      <tbody>
        ${diffs.slice(0, VALUES_SHOWN).map(
          (d) => markup`<tr>
            <td><code>${d.path}</code></td>
            <td class="legacy"><code>${shownValue(d.legacy)}</code></td>
            <td class="new"><code>${shownValue(d.new)}</code></td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${rest > 0 ? markup`<p class="muted">and ${rest} more on the sample's page</p>` : ''}`;
}

/**
 * The decisions the signed-in role may take on the group in its status, each posting to
 * `<group>/<decision>` (router/decision-routes.ts, which refuses the rest all the same).
 */
function decisionForms(group: DiffGroup, context: PageContext): SafeHtml {
  const base = `/reports/groups/${encodeURIComponent(group.id)}`;
  const accepted = group.status === 'accepted';
  const forms = [
    accepted ? acceptedNote(group) : acceptForm(base, context),
    accepted ? '' : defectForm(base, context, group.status === 'defect'),
    context.role === 'operator' ? deleteForm(base, context) : '',
  ];
  return markup`<div class="decisions">${forms}</div>`;
}

function acceptedNote(group: DiffGroup): SafeHtml {
  return markup`<section class="card" aria-labelledby="accepted-heading">
      <h3 id="accepted-heading">Accepted</h3>
      <p>
        This difference is accepted. Its rule is listed on the
        <a href="/reports/routes/${encodeURIComponent(group.routeId)}">route's page</a>, where an operator
        can revoke it.
      </p>
    </section>`;
}

function acceptForm(base: string, context: PageContext): SafeHtml {
  return markup`<form method="post" action="${base}/accept" class="card stack" id="accept-form" aria-labelledby="accept-heading">
      <h3 id="accept-heading">Accept as expected</h3>
      ${csrfField(context)}
      <label for="accept-reason">Reason</label>
      <textarea id="accept-reason" name="reason" required maxlength="2000"></textarea>
      <label for="accept-equivalence">Equal from now on when</label>
      <select id="accept-equivalence" name="equivalence">
        <option value="exact" selected>exactly these values (the newest sample's)</option>
        <option value="ignore-case">equal ignoring case</option>
        <option value="numeric">equal as numbers within the tolerance</option>
        <option value="instant">equal as instants</option>
        <option value="ignore-member">any value (ignore this member)</option>
      </select>
      <label for="accept-tolerance">Tolerance (numbers)</label>
      <input id="accept-tolerance" name="tolerance" type="number" min="0" step="any" />
      <button type="submit" class="accept">Accept this difference</button>
    </form>`;
}

function defectForm(base: string, context: PageContext, already: boolean): SafeHtml {
  return markup`<form method="post" action="${base}/defect" class="card stack" id="defect-form" aria-labelledby="defect-heading">
      <h3 id="defect-heading">${already ? 'Update the defect' : 'Mark as defect'}</h3>
      ${csrfField(context)}
      <label for="defect-note">Note</label>
      <textarea id="defect-note" name="note" required maxlength="2000"></textarea>
      <label for="defect-link">Link (issue tracker, optional)</label>
      <input id="defect-link" name="link" type="url" maxlength="2000" />
      <button type="submit" class="defect">${already ? 'Update the defect' : 'Mark as defect'}</button>
    </form>`;
}

function deleteForm(base: string, context: PageContext): SafeHtml {
  return markup`<form method="post" action="${base}/delete" class="card stack" id="delete-form" aria-labelledby="delete-heading">
      <h3 id="delete-heading">Delete (operator)</h3>
      ${csrfField(context)}
      <p class="muted">Removes the group and its samples, e.g. after the fix shipped.</p>
      <label for="delete-reason">Reason</label>
      <input id="delete-reason" name="reason" required maxlength="2000" />
      <button type="submit" class="danger">Delete group</button>
    </form>`;
}

/** Only http(s) links become anchors: a stored `javascript:` URL would otherwise run on click. */
function safeLink(link: string) {
  return /^https?:\/\//i.test(link)
    ? markup`<a href="${link}" rel="noopener noreferrer">${link}</a>`
    : markup`<code>${link}</code>`;
}
