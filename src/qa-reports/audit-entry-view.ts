import { describeEquivalence, type AcceptedDifference } from '../shadow/accepted-differences.ts';
import { markup, type SafeHtml } from './html.ts';
import type { AuditEntry } from './report-store.ts';

/*
 * An audit entry in words: what was done to which group or rule, and why. The detail is JSON the
 * decisions wrote (store/postgres-decisions.ts), read field by field with its type checked, and an
 * action this page does not know still shows, with its detail as it was stored.
 */

/** "accepted diff group 1a2b3c4d on route athletes-get": the sentence's verb and object. */
export function auditWhat(e: AuditEntry): SafeHtml {
  const group = groupRef(e);
  const route = e.routeId === null ? markup`` : markup` on route ${routeLink(e.routeId)}`;
  switch (e.action) {
    case 'group.accept':
      return markup`accepted ${group}${route}${previous(e)}${equivalences(e.detail.equivalences)}`;
    case 'group.defect':
      return markup`marked ${group}${route} as a defect${previous(e)}`;
    case 'rule.revoke':
      return markup`revoked the rule accepting ${group}${route}; the group is open again`;
    case 'group.delete':
      return markup`deleted ${group}${route} with its ${numberOf(e.detail.samplesDeleted)} samples`;
    case 'sign-out':
      return markup`signed out`;
    default:
      return markup`<code>${e.action}</code>${route} <code>${JSON.stringify(e.detail)}</code>`;
  }
}

/** The reason, note or link the person gave with the change. */
export function auditWhy(e: AuditEntry): SafeHtml {
  const why = textOf(e.detail.reason) ?? textOf(e.detail.note);
  const link = textOf(e.detail.link);
  return markup`${why ?? ''}${
    link === undefined ? '' : markup`<br /><span class="muted">link:</span> <code>${link}</code>`
  }`;
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function numberOf(value: unknown): string {
  return typeof value === 'number' ? String(value) : '';
}

function routeLink(routeId: string): SafeHtml {
  return markup`<a href="/reports/routes/${encodeURIComponent(routeId)}">${routeId}</a>`;
}

/** A deleted group has no page any more: it is named, not linked. */
function groupRef(e: AuditEntry): SafeHtml {
  if (e.groupId === null) return markup`a diff group`;
  const name = markup`diff group <code title="${e.groupId}">${e.groupId.slice(0, 8)}</code>`;
  return e.action === 'group.delete'
    ? name
    : markup`<a href="/reports/groups/${encodeURIComponent(e.groupId)}">${name}</a>`;
}

function previous(e: AuditEntry): SafeHtml {
  const was = textOf(e.detail.previousStatus);
  return was === undefined ? markup`` : markup` <span class="muted">(was ${was})</span>`;
}

function equivalences(value: unknown): SafeHtml {
  if (!Array.isArray(value) || value.length === 0) return markup``;
  const rules = value.filter(
    (v): v is AcceptedDifference =>
      typeof v === 'object' && v !== null && typeof (v as { path?: unknown }).path === 'string',
  );
  return markup`<ul class="paths">
    ${rules.map((r) => markup`<li><code>${r.path}</code>: ${describeEquivalence(r)}</li>`)}
  </ul>`;
}
