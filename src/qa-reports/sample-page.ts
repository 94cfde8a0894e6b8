import { markup, type SafeHtml } from './html.ts';
import { jsonDiffView } from './json-diff-view.ts';
import { jsonView, normalisePath, shownValue, type JsonMarks } from './json-view.ts';
import { dataTable, layoutPage, timestamp, type PageContext } from './layout-page.ts';
import type { CapturedMessage, DiffEntry, Sample, SampleCaller } from './report-store.ts';

export function samplePage(sample: Sample, context: PageContext): string {
  const marks = {
    diff: new Set(sample.diffs.map((d) => normalisePath(d.path))),
    noise: new Set(sample.noise.map((d) => normalisePath(d.path))),
  };
  // Status and headers are compared too; their differences are named `status` and `headers.<name>`.
  const statusDiffers = sample.diffs.some((d) => d.path === 'status');
  const headerDiffs = new Set(
    sample.diffs.filter((d) => d.path.startsWith('headers.')).map((d) => d.path.slice(8).toLowerCase()),
  );
  const body = markup`<p>
      Route <a href="/reports/routes/${encodeURIComponent(sample.routeId)}">${sample.routeId}</a> ·
      <a href="/reports/groups/${encodeURIComponent(sample.groupId)}">diff group</a> · captured
      ${timestamp(sample.capturedAt)}
    </p>
    ${callerLine(sample.caller)}
    <h2>Request</h2>
    <p>
      <code class="request-line">${sample.request.method ?? sample.method} ${sample.request.path ?? sample.path}${sample.request.query === undefined ? '' : `?${sample.request.query}`}</code
      >
    </p>
    ${headersTable(sample.request.headers)}${bodyView(sample.request.body, { diff: new Set(), noise: new Set() })}
    <h2>Responses</h2>
    <div class="side-by-side">
      <section class="legacy" aria-label="Legacy response">
        <h3>Legacy · ${statusOf(sample.legacy, statusDiffers)}</h3>
        ${headersTable(sample.legacy.headers, headerDiffs)}
      </section>
      <section class="new" aria-label="New response">
        <h3>New · ${statusOf(sample.new, statusDiffers)}</h3>
        ${headersTable(sample.new.headers, headerDiffs)}
      </section>
    </div>
    <h3>Bodies</h3>
    ${bodiesView(sample.legacy.body, sample.new.body, marks)}
    <h2>Differences</h2>
    ${diffTable(sample.diffs, 'diffs')}
    <h2>Noise (differs between two legacy calls too; not counted)</h2>
    ${diffTable(sample.noise, 'noise')}`;
  return layoutPage(`Sample ${sample.method} ${sample.path}`, body, context);
}

function callerLine(caller: SampleCaller | null): SafeHtml {
  if (caller === null) return markup`<p class="caller muted">Caller: none verified</p>`;
  return markup`<p class="caller">
    Caller <code>${caller.subject}</code> · organisation <code>${caller.organisationId}</code>
  </p>`;
}

function statusOf(m: CapturedMessage, differs: boolean): SafeHtml {
  const status = m.status ?? '–';
  return differs ? markup`<span class="mark-diff" data-path="status">${status}</span>` : markup`${status}`;
}

function headersTable(
  headers: Readonly<Record<string, unknown>>,
  differing: ReadonlySet<string> = new Set(),
): SafeHtml {
  const entries = Object.entries(headers);
  if (entries.length === 0) return markup``;
  return markup`<table class="headers">
    <tbody>
      ${entries.map(
        ([k, v]) =>
          markup`<tr${differing.has(k.toLowerCase()) ? markup` class="mark-diff" data-path="headers.${k}"` : ''}>
            <th>${k}</th>
            <td>${Array.isArray(v) ? v.join(', ') : typeof v === 'string' ? v : JSON.stringify(v)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

const absent = (body: unknown): boolean => body === undefined || body === null || body === '';

function bodyView(body: unknown, marks: JsonMarks): SafeHtml {
  if (absent(body)) return markup`<p class="muted">(no body)</p>`;
  if (typeof body === 'string') return markup`<pre class="raw">${body}</pre>`;
  return jsonView(body, marks);
}

function bodiesView(legacy: unknown, candidate: unknown, marks: JsonMarks): SafeHtml {
  if (absent(legacy) && absent(candidate)) return markup`<p class="muted">(no body on either side)</p>`;
  return jsonDiffView(legacy, candidate, marks);
}

function diffTable(diffs: readonly DiffEntry[], cls: string): SafeHtml {
  if (diffs.length === 0) return markup`<p class="muted">None.</p>`;
  return dataTable(cls, ['Path', 'Kind', 'Legacy', 'New'], diffs, (d) => [
    markup`<code>${d.path}</code>`,
    d.kind,
    markup`<code>${shownValue(d.legacy)}</code>`,
    markup`<code>${shownValue(d.new)}</code>`,
  ]);
}
