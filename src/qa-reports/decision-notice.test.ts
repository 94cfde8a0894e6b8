import { describe, expect, it } from '@jest/globals';
import { decidedQuery, decisionNotice } from './decision-notice.ts';
import { markup } from './html.ts';
import { layoutPage, timestamp } from './layout-page.ts';

const context = { actor: 'Quinn', role: 'qa', csrf: 't' } as const;

describe('the confirmation after a decision', () => {
  it('words each decision from its code', () => {
    expect(decidedQuery('accepted')).toBe('done=accepted');
    expect(decisionNotice({ done: 'defect' })).toMatch(/^Marked as a defect/);
    expect(decisionNotice({ done: 'revoked' })).toMatch(/^Rule revoked/);
    expect(decisionNotice({ done: 'deleted' })).toMatch(/^Diff group deleted/);
  });

  it('shows nothing for a code it does not know, so a crafted link cannot put its words on a page', () => {
    for (const done of ['<script>alert(1)</script>', 'toString', ['accepted'], undefined]) {
      expect(decisionNotice({ done })).toBeUndefined();
    }
  });

  it('is announced as a status on the page it lands on', () => {
    const page = layoutPage('Route', markup``, { ...context, notice: decisionNotice({ done: 'accepted' }) });
    expect(page).toMatch(/<p class="flash" role="status">Accepted: /);
    expect(layoutPage('Route', markup``, context)).not.toContain('flash');
  });
});

describe('time on the pages', () => {
  it('is one format with its zone', () => {
    expect(timestamp(new Date('2026-12-06T18:05:13.456Z'))).toBe('2026-12-06 18:05:13 UTC');
    expect(timestamp(null)).toBe('–');
  });
});
