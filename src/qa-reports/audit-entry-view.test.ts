import { describe, expect, it } from '@jest/globals';
import { auditWhat, auditWhy } from './audit-entry-view.ts';
import type { AuditEntry } from './report-store.ts';

const entry = (action: string, detail: Record<string, unknown>): AuditEntry => ({
  id: '1',
  at: new Date('2026-12-06T18:05:13Z'),
  actor: 'Quinn',
  role: 'qa',
  action,
  routeId: 'athletes-get',
  groupId: '5f0c7d1e-8a2b-4c3d-9e4f-1a2b3c4d5e6f',
  ruleId: null,
  detail,
});

const words = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim();

describe('audit entries in words', () => {
  it('says what an accept did, to which group and route, with the rule in words', () => {
    const e = entry('group.accept', {
      reason: 'rounds by design',
      previousStatus: 'open',
      equivalences: [{ path: '$.score', kind: 'changed', equivalence: 'numeric', tolerance: 0.1 }],
    });
    expect(words(auditWhat(e).value)).toBe(
      'accepted diff group 5f0c7d1e on route athletes-get (was open) $.score: equal as numbers within 0.1',
    );
    expect(auditWhat(e).value).toContain('href="/reports/groups/5f0c7d1e-8a2b-4c3d-9e4f-1a2b3c4d5e6f"');
    expect(auditWhy(e).value).toBe('rounds by design');
  });

  it('names a deleted group without linking to its page, which is gone', () => {
    const html = auditWhat(entry('group.delete', { reason: 'fixed', samplesDeleted: 3 })).value;
    expect(words(html)).toBe('deleted diff group 5f0c7d1e on route athletes-get with its 3 samples');
    expect(html).not.toContain('/reports/groups/');
  });

  it('escapes what people typed, and shows an action it does not know as stored', () => {
    const defect = entry('group.defect', { note: '<b>x</b>', link: 'javascript:alert(1)' });
    expect(auditWhy(defect).value).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(auditWhy(defect).value).not.toContain('href');
    expect(words(auditWhat(entry('route.frobnicate', { n: '<i>' })).value)).toContain(
      'route.frobnicate on route athletes-get {&quot;n&quot;:&quot;&lt;i&gt;&quot;}',
    );
  });
});
