import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startQaReportsFixture, type PlayedExchange, type QaReportsFixture } from './qa-reports-fixture.ts';
import type { DiffGroup, RouteStats } from './report-store.ts';

/*
 * What a decision changes in the figures, through the real reports server on real PostgreSQL: an
 * accepted difference is that difference (its values), not its path, and the overview and the exports
 * agree on the figures after an accept and a defect.
 */

let f: QaReportsFixture;

beforeAll(async () => {
  f = await startQaReportsFixture();
});

afterAll(async () => {
  await f?.close();
});

const qa = () => ({ authorization: `Bearer ${f.tokens.adminQaToken}` });

const window = {
  from: new Date(Date.now() - 3_600_000),
  to: new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 120_000),
};
const windowQuery = `from=${window.from.toISOString()}&to=${window.to.toISOString()}`;

function player(routeId: string, legacy: unknown, candidate: unknown): PlayedExchange {
  return { routeId, request: { method: 'GET', path: `/api/${routeId}/1` }, legacy, candidate };
}

async function groupsOf(routeId: string): Promise<DiffGroup[]> {
  return f.store.listGroups(routeId, { window });
}

async function decide(group: DiffGroup | undefined, decision: string, body: Record<string, unknown>) {
  const res = await fetch(`${f.baseUrl}/api/reports/groups/${group?.id ?? 'missing'}/${decision}`, {
    method: 'POST',
    headers: { ...qa(), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBeLessThan(300);
}

async function statsOf(routeId: string): Promise<RouteStats | undefined> {
  return (await f.store.routeStats([routeId], window)).get(routeId);
}

describe('accepting a difference', () => {
  const position = (legacy: string, candidate: string) =>
    player('athletes-get', { Position: legacy }, { Position: candidate });

  it('accepts that difference by its rule, and a later other value at the same path is a new difference', async () => {
    await f.play([position('centre back', 'Centre Back'), position('centre back', 'Centre Back')]);
    const [casing] = await groupsOf('athletes-get');
    await decide(casing, 'accept', { reason: 'casing follows the style guide', equivalence: 'ignore-case' });

    await f.play([position('left wing', 'Left Wing'), position('ZZZ', 'Centre Back')]);
    const groups = await groupsOf('athletes-get');
    expect(groups.map((g) => [g.status, g.count])).toEqual(
      expect.arrayContaining([
        ['accepted', 2],
        ['open', 1],
      ]),
    );
    expect(groups).toHaveLength(2);
    expect(await statsOf('athletes-get')).toMatchObject({
      compared: 4,
      accepted: 2,
      mismatch: 1,
      openGroups: 1,
    });
    expect((await statsOf('athletes-get'))?.matchRate).toBeCloseTo(3 / 4);

    const rules = await f.store.activeRules('athletes-get');
    expect(rules[0]).toMatchObject({
      reason: 'casing follows the style guide',
      createdBy: 'qa (api)',
      equivalences: [
        { path: '$.Position', kind: 'changed', equivalence: 'ignore-case', words: 'equal ignoring case' },
      ],
    });
    const page = await (await fetch(`${f.baseUrl}/reports/routes/athletes-get`, { headers: qa() })).text();
    expect(page).toContain('<code>$.Position</code> <span class="muted">changed</span>: equal ignoring case');
  });

  it('refuses a rule that does not make the sample it was accepted from equal', async () => {
    const [open] = (await groupsOf('athletes-get')).filter((g) => g.status === 'open');
    const res = await fetch(`${f.baseUrl}/api/reports/groups/${open?.id ?? ''}/accept`, {
      method: 'POST',
      headers: { ...qa(), 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'not really', equivalence: 'ignore-case' }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('does not hold at $.Position');
  });
});

describe('after an accept and a defect', () => {
  it('the overview and the exports give the same figures, from the same function', async () => {
    const score = (l: number, n: number) => player('squads-list', { Score: l }, { Score: n });
    const name = (l: string, n: string) => player('squads-list', { Name: l }, { Name: n });
    await f.play([
      score(1, 1),
      score(2, 2),
      score(1.5, 1.25),
      score(1.5, 1.25),
      score(1.5, 1.25),
      name('Ada', 'Ava'),
      name('Ada', 'Ava'),
    ]);
    const groups = await groupsOf('squads-list');
    const byPath = (path: string) => groups.find((g) => g.paths.some((p) => p.path === path));
    await decide(byPath('$.Score'), 'accept', {
      reason: 'rounding',
      equivalence: 'numeric',
      tolerance: '0.5',
    });
    await decide(byPath('$.Name'), 'defect', { note: 'typo in the new handler' });

    const stats = await statsOf('squads-list');
    expect(stats).toMatchObject({ compared: 7, accepted: 3, mismatch: 2, openGroups: 0, defectGroups: 1 });
    expect(stats?.matchRate).toBeCloseTo(5 / 7);

    const overview = (await (
      await fetch(`${f.baseUrl}/api/reports/routes?${windowQuery}`, { headers: qa() })
    ).json()) as {
      routes: { routeId: string; stats: RouteStats }[];
    };
    const exported = (await (
      await fetch(`${f.baseUrl}/api/reports/export?format=json&routes=squads-list&${windowQuery}`, {
        headers: qa(),
      })
    ).json()) as { routes: { stats: RouteStats }[] };
    const fromOverview = overview.routes.find((r) => r.routeId === 'squads-list')?.stats;
    expect(exported.routes[0]?.stats).toEqual(fromOverview);
    expect(fromOverview).toMatchObject({ compared: 7, accepted: 3, mismatch: 2, defectGroups: 1 });

    const csv = await (
      await fetch(`${f.baseUrl}/api/reports/export?format=csv&routes=squads-list&${windowQuery}`, {
        headers: qa(),
      })
    ).text();
    const [header, row] = csv.split('\r\n');
    const cells = Object.fromEntries((header ?? '').split(',').map((h, i) => [h, (row ?? '').split(',')[i]]));
    expect(cells).toMatchObject({
      compared: '7',
      mismatch: '2',
      accepted: '3',
      sync_lag: '0',
      open_groups: '0',
      open_defects: '1',
    });
    expect(Number(cells.match_rate)).toBeCloseTo(5 / 7);

    const page = await (await fetch(`${f.baseUrl}/reports?${windowQuery}`, { headers: qa() })).text();
    const squads = page.slice(page.indexOf('data-route="squads-list"'));
    expect(squads).toMatch(/class="num match-rate [a-z]*">71\.4%/);
    expect(squads).toMatch(/class="num open-defects">1</);
  });
});
