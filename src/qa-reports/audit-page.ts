import { markup } from './html.ts';
import { dataTable, layoutPage, timestamp, type PageContext } from './layout-page.ts';
import type { AuditEntry } from './report-store.ts';

export function auditPage(entries: readonly AuditEntry[], context: PageContext): string {
  const body = dataTable('audit', ['When', 'Who', 'Role', 'Action', 'Route', 'Detail'], entries, (e) => [
    timestamp(e.at),
    e.actor,
    e.role,
    e.action,
    e.routeId ?? '',
    markup`<code>${JSON.stringify(e.detail)}</code>`,
  ]);
  return layoutPage('Audit log', body, context);
}
