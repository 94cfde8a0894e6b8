import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  fixtureRoute,
  startQaReportsFixture,
  type PlayedExchange,
  type QaReportsFixture,
} from './qa-reports-fixture.ts';
import type { ReadinessVerdict } from './readiness-verdict.ts';

/*
 * The readiness verdict through the real reports server on real PostgreSQL: comparisons played
 * through the shadow pipeline's pieces, the verdict read back from the route page and the JSON API.
 */

let f: QaReportsFixture;

beforeAll(async () => {
  f = await startQaReportsFixture({
    routes: ['steady', 'drifting', 'failing'].map((id) => fixtureRoute(id, `/api/${id}/{id}`)),
    modes: { 'strangler.steady': 'shadow', 'strangler.drifting': 'shadow', 'strangler.failing': 'shadow' },
  });
  const same = (routeId: string, n: number): PlayedExchange[] =>
    Array.from({ length: n }, (_, i) => ({
      routeId,
      request: { method: 'GET', path: `/api/${routeId}/${i}` },
      legacy: { Id: i, Name: 'Ada' },
      candidate: { Id: i, Name: 'Ada' },
    }));
  await f.play([
    ...same('steady', 500),
    ...same('drifting', 500),
    { ...same('drifting', 1)[0]!, candidate: { Id: 0, Name: 'Ava' } },
    ...same('failing', 500),
    // One diff group ("status changed"), half 503 and half 404: more than the 20 samples a group keeps.
    ...Array.from({ length: 40 }, (_, i) => ({
      ...same('failing', 1)[0]!,
      candidate: { Id: 0 },
      candidateStatus: i % 2 === 0 ? 503 : 404,
    })),
  ]);
});

afterAll(async () => {
  await f?.close();
});

const qa = () => ({ authorization: `Bearer ${f.tokens.adminQaToken}` });

async function page(routeId: string): Promise<string> {
  const html = await (
    await fetch(`${f.baseUrl}/reports/routes/${routeId}?window=1h`, { headers: qa() })
  ).text();
  return html.slice(html.indexOf('<section class="readiness"'), html.indexOf('</section>'));
}

async function verdict(routeId: string): Promise<ReadinessVerdict> {
  const res = await fetch(`${f.baseUrl}/api/reports/routes/${routeId}?window=1h`, { headers: qa() });
  return ((await res.json()) as { readiness: ReadinessVerdict }).readiness;
}

describe('the readiness verdict on the route page and in the JSON', () => {
  it('calls a shadow route with enough matching comparisons ready for canary', async () => {
    expect(await verdict('steady')).toMatchObject({
      mode: 'shadow',
      nextMode: 'canary',
      ready: true,
      reasons: [],
      evidence: { compared: 500, unexplainedMismatches: 0, openDefects: 0 },
    });
    expect(await page('steady')).toContain('<strong>Ready for canary</strong>');
  });

  it('keeps a route with one unexplained mismatch out of canary, with the reason in words', async () => {
    expect(await verdict('drifting')).toMatchObject({
      nextMode: 'canary',
      ready: false,
      reasons: ['1 unexplained mismatch'],
    });
    const section = await page('drifting');
    expect(section).toContain('<strong>Not ready for canary</strong>');
    expect(section).toContain('<li>1 unexplained mismatch</li>');
  });

  it("counts the new side's 5xx answers, estimated from a group's stored samples, against it", async () => {
    const failing = await verdict('failing');
    expect(failing.evidence.new).toMatchObject({ errors: 20 });
    expect(failing.evidence.legacy).toMatchObject({ errors: 0 });
    expect(failing.reasons).toEqual([
      '40 unexplained mismatches',
      "new side's error rate 3.7% (20 5xx or failed of 540) is over the 1.0% allowed and legacy's 0.0%",
    ]);
    expect(await page('failing')).toContain('over the 1.0% allowed and legacy&#39;s 0.0%');
  });

  it('is ready once QA accepts the difference', async () => {
    const window = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 120_000) };
    const [group] = await f.store.listGroups('drifting', { window });
    const res = await fetch(`${f.baseUrl}/api/reports/groups/${group?.id ?? 'missing'}/accept`, {
      method: 'POST',
      headers: { ...qa(), 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'the new spelling is right' }),
    });
    expect(res.status).toBeLessThan(300);
    expect(await verdict('drifting')).toMatchObject({ ready: true, reasons: [] });
  });
});
