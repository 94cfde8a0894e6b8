import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startQaReportsFixture, type PlayedExchange, type QaReportsFixture } from './qa-reports-fixture.ts';

/*
 * Every QA page in a real headless Chromium (Debian's package), checked the way a reviewer meets it:
 * a screenshot of each at a desktop and a split-screen width, axe-core's accessibility rules (no
 * serious or critical violation), no Content-Security-Policy violation, and the page fitting a
 * 700 px window without scrolling sideways.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = path.resolve('artifacts/screenshots/pages');
// Evaluated through the DevTools protocol: the pages' CSP rightly refuses an injected <script>.
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let f: QaReportsFixture;
let browser: Browser;

const athlete = (score: number, position: string, traceId: string) => ({
  id: 'a1',
  name: 'Ada',
  position,
  score,
  traceId,
});

function athleteTraffic(n: number): PlayedExchange[] {
  return Array.from({ length: n }, (_, i) => ({
    routeId: 'athletes-get',
    request: { method: 'GET', path: `/api/athletes/a${i % 2}` },
    legacy: athlete(i % 2 === 0 ? 7.5 : 6, 'Centre Back', `t${i}`),
    legacyAgain: athlete(i % 2 === 0 ? 7.5 : 6, 'Centre Back', `u${i}`),
    candidate: athlete(i % 2 === 0 ? 7.4 : 6, i % 2 === 0 ? 'centre back' : 'Centre Back', `v${i}`),
  }));
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package or set CHROMIUM_PATH.`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  const launching = chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  launching.catch(() => undefined);
  try {
    f = await startQaReportsFixture();
  } catch (error: unknown) {
    await (await launching).close();
    throw error;
  }
  // Three buckets an hour apart, so the route's chart has a line to draw.
  const hour = 3_600_000;
  for (const ago of [3, 2, 1]) await f.play(athleteTraffic(6), new Date(Date.now() - ago * hour));
  await f.play([
    {
      routeId: 'squads-list',
      request: { method: 'GET', path: '/api/squads', query: 'q=<b>x</b>' },
      legacy: { items: [{ id: 1, name: 'U18' }], total: 1 },
      candidate: {
        items: [
          { id: 1, name: 'U18' },
          { id: 2, name: '<img src=x>' },
        ],
        total: 2,
      },
    },
  ]);
  browser = await launching;
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await f?.close();
});

interface Checked {
  readonly cspViolations: string[];
}

async function newPage(width = 1280): Promise<{ page: Page; checked: Checked }> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(5_000);
  const checked: Checked = { cspViolations: [] };
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) checked.cspViolations.push(m.text());
  });
  return { page, checked };
}

async function signIn(page: Page, token: string, name: string): Promise<void> {
  await page.goto(`${f.baseUrl}/reports/login`);
  await page.fill('input[name="name"]', name);
  await page.fill('input[name="token"]', token);
  await Promise.all([page.waitForURL(`${f.baseUrl}/reports`), page.press('input[name="token"]', 'Enter')]);
}

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly unknown[] }[];
}

/** axe-core's serious and critical violations on the page, each as "rule: help (where)". */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Screenshots the page at 1280 and 700 px and checks it as the file's header says. */
async function checkPage(page: Page, checked: Checked, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  expect(await seriousViolations(page)).toEqual([]);
  await page.setViewportSize({ width: 700, height: 900 });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-700px.png`), fullPage: true });
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  expect({ page: name, overflow }).toEqual({ page: name, overflow: 0 });
  await page.setViewportSize({ width: 1280, height: 900 });
  expect(checked.cspViolations).toEqual([]);
}

async function athleteGroupUrl(): Promise<string> {
  const window = { from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 60_000) };
  const group = (await f.store.listGroups('athletes-get', { window }))[0];
  return `${f.baseUrl}/reports/groups/${group?.id}`;
}

/** An accept, its revoke and a defect on the squads group, so the audit log has entries of each kind. */
async function decideOnSquads(): Promise<void> {
  const window = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) };
  const group = (await f.store.listGroups('squads-list', { window }))[0];
  const olive = { name: 'Olive Ops', role: 'operator' } as const;
  const rule = await f.store.acceptGroup(
    group?.id ?? '',
    { reason: 'paging is new', equivalence: 'ignore-member' },
    olive,
  );
  await f.store.revokeRule(rule.id, 'paging must match legacy', olive);
  await f.store.markDefect(group?.id ?? '', 'second page missing', 'https://tracker.example/QA-7', olive);
}

describe('every QA page in Chromium', () => {
  it('the sign-in page is accessible and fits a split screen', async () => {
    const { page, checked } = await newPage();
    await page.goto(`${f.baseUrl}/reports/login`);
    await checkPage(page, checked, 'sign-in');
    await page.context().close();
  });

  it('the overview, route, group, sample and audit pages are accessible and fit a split screen', async () => {
    const { page, checked } = await newPage();
    await signIn(page, f.tokens.adminQaToken, 'Quinn QA');
    await checkPage(page, checked, 'overview');
    await page.goto(`${f.baseUrl}/reports/routes/athletes-get`);
    expect(await page.locator('svg.chart polyline').count()).toBeGreaterThan(0);
    await checkPage(page, checked, 'route');
    await page.goto(await athleteGroupUrl());
    await checkPage(page, checked, 'group');
    await page.click('a.sample-link');
    await checkPage(page, checked, 'sample');
    await decideOnSquads();
    await page.goto(`${f.baseUrl}/reports/audit`);
    expect(await page.locator('table.audit tbody tr').count()).toBe(3);
    await checkPage(page, checked, 'audit');
    await page.context().close();
  });
});

describe('the accessibility check', () => {
  it('finds a serious violation where there is one, so a clean result means something', async () => {
    const { page } = await newPage();
    await page.setContent(
      '<!doctype html><html lang="en"><title>t</title><main><button></button></main></html>',
    );
    expect(await seriousViolations(page)).toEqual([expect.stringMatching(/^button-name: /)]);
    await page.context().close();
  });
});

describe('working on the pages', () => {
  it("shows each sample's differing values inline on the group page", async () => {
    const { page } = await newPage();
    await signIn(page, f.tokens.adminQaToken, 'Quinn QA');
    await page.goto(await athleteGroupUrl());
    const first = page.locator('ul.samples > li').first();
    const values = await first.locator('table.sample-diffs').innerText();
    expect(values).toContain('$.score');
    expect(values).toContain('7.5');
    expect(values).toContain('7.4');
    expect(values).toContain('"Centre Back"');
    expect(values).toContain('"centre back"');
    await page.context().close();
  });

  it('shows both bodies side by side, line by line, with the differing members marked', async () => {
    const { page } = await newPage();
    await signIn(page, f.tokens.adminQaToken, 'Quinn QA');
    const window = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) };
    const group = (await f.store.listGroups('squads-list', { window }))[0];
    const sample = (await f.store.listSamples(group?.id ?? '', 1))[0];
    await page.goto(`${f.baseUrl}/reports/samples/${sample?.id}`);
    const rows = page.locator('table.json-diff tbody tr');
    // The legacy side has blank lines where the new side has the added item, so equal lines align.
    const added = page.locator('table.json-diff tr.line-added');
    expect(await added.count()).toBeGreaterThan(0);
    expect(await added.first().locator('td.legacy').innerText()).toBe('');
    expect(await page.locator('table.json-diff td.new').allInnerTexts()).toContain(
      '      "name": "<img src=x>"',
    );
    const totalRow = rows.filter({ hasText: '"total"' });
    expect(await totalRow.getAttribute('class')).toContain('line-changed');
    expect(await totalRow.locator('td.legacy').innerText()).toBe('  "total": 1');
    expect(await totalRow.locator('td.new').innerText()).toBe('  "total": 2');
    expect(await page.locator('main img').count()).toBe(0);
    await page.context().close();
  });

  it('offers a QA session only the decisions QA may take, and an operator the rest', async () => {
    const qa = await newPage();
    await signIn(qa.page, f.tokens.adminQaToken, 'Quinn QA');
    const groupUrl = await athleteGroupUrl();
    await qa.page.goto(groupUrl);
    expect(await qa.page.locator('#accept-form').count()).toBe(1);
    expect(await qa.page.locator('#defect-form').count()).toBe(1);
    expect(await qa.page.locator('#delete-form').count()).toBe(0);
    await qa.page.context().close();

    const operator = await newPage();
    await signIn(operator.page, f.tokens.adminOperatorToken, 'Olive Ops');
    await operator.page.goto(groupUrl);
    expect(await operator.page.locator('#delete-form').count()).toBe(1);
    await operator.page.context().close();
  });

  it('confirms each decision after its redirect, and the audit log says it in words', async () => {
    const { page } = await newPage();
    await signIn(page, f.tokens.adminOperatorToken, 'Olive Ops');
    await page.goto(await athleteGroupUrl());
    // Keyboard only: focus the note, type, Tab to the link and the button, and press Enter.
    await page.focus('#defect-form textarea[name="note"]');
    await page.keyboard.type('Position casing differs <b>');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await Promise.all([page.waitForURL(/\/reports\/groups\//), page.keyboard.press('Enter')]);
    expect(await page.locator('[role="status"].flash').innerText()).toContain('Marked as a defect');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'group-after-defect.png'), fullPage: true });

    await page.goto(`${f.baseUrl}/reports/audit`);
    const entry = await page.locator('table.audit tbody tr').first().innerText();
    expect(entry).toContain('Olive Ops');
    expect(entry).toContain('marked diff group');
    expect(entry).toContain('as a defect');
    expect(entry).toContain('athletes-get');
    expect(entry).toContain('Position casing differs <b>');
    expect(entry).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    await page.context().close();
  });
});
