import { markup } from './html.ts';
import { auditWhat, auditWhy } from './audit-entry-view.ts';
import { dataTable, layoutPage, timestamp, type PageContext } from './layout-page.ts';
import type { AuditEntry } from './report-store.ts';

export function auditPage(entries: readonly AuditEntry[], context: PageContext): string {
  const body =
    entries.length === 0
      ? markup`<p class="muted">Nothing has been decided yet.</p>`
      : dataTable('audit', ['When', 'Who', 'What', 'Why'], entries, (e) => [
          markup`<span class="nowrap">${timestamp(e.at)}</span>`,
          markup`${e.actor} <span class="muted">(${e.role})</span>`,
          auditWhat(e),
          auditWhy(e),
        ]);
  return layoutPage('Audit log', body, context);
}
