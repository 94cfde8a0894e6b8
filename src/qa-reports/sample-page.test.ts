import { describe, expect, it } from '@jest/globals';

import type { Sample } from './report-store.ts';
import { samplePage } from './sample-page.ts';

const sample = (caller: Sample['caller']): Sample => ({
  id: '5f0c7d1e-8a2b-4c3d-9e4f-1a2b3c4d5e6f',
  groupId: '6a1d8e2f-9b3c-4d5e-8f6a-2b3c4d5e6f7a',
  capturedAt: new Date('2026-11-21T10:00:00Z'),
  method: 'GET',
  path: '/api/athletes/a1',
  legacyStatus: 200,
  newStatus: 200,
  routeId: 'athletes-get',
  caller,
  request: { method: 'GET', path: '/api/athletes/a1', headers: {} },
  legacy: { status: 200, headers: {}, body: { score: 7.5 } },
  new: { status: 200, headers: {}, body: { score: 7.4 } },
  diffs: [{ path: '$.score', kind: 'changed', legacy: 7.5, new: 7.4 }],
  noise: [],
});

const page = (caller: Sample['caller']): string =>
  samplePage(sample(caller), { actor: 'qa', role: 'qa', csrf: 'token' });

describe('sample page', () => {
  it("names the caller's subject and organisation, escaped like the rest of the sample", () => {
    const html = page({ subject: '<b>coach-1</b>', organisationId: 'org-"7"' });
    expect(html).toContain(
      'Caller <code>&lt;b&gt;coach-1&lt;/b&gt;</code> · organisation <code>org-&quot;7&quot;</code>',
    );
    expect(html).not.toContain('<b>coach-1</b>');
  });

  it('says no caller was verified for an open route or a refused caller', () => {
    expect(page(null)).toContain('Caller: none verified');
  });
});
