import { markup } from './html.ts';
import { layoutPage, timestamp, type PageContext } from './layout-page.ts';
import type { AuditEntry } from './report-store.ts';

export function auditPage(entries: readonly AuditEntry[], context: PageContext): string {
  const body = markup`<table class="audit">
    <thead>
      <tr>
        <th>When</th>
        <th>Who</th>
        <th>Role</th>
        <th>Action</th>
        <th>Route</th>
        <th>Detail</th>
      </tr>
    </thead>
    <tbody>
      ${entries.map(
        (e) =>
          markup`<tr>
            <td>${timestamp(e.at)}</td>
            <td>${e.actor}</td>
            <td>${e.role}</td>
            <td>${e.action}</td>
            <td>${e.routeId ?? ''}</td>
            <td><code>${JSON.stringify(e.detail)}</code></td>
          </tr>`,
      )}
    </tbody>
  </table>`;
  return layoutPage('Audit log', body, context);
}
