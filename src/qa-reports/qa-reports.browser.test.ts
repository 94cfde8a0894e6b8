import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startQaReportsFixture, type PlayedExchange, type QaReportsFixture } from './qa-reports-fixture.ts';

/*
 * The QA pages as a reviewer uses them, in a real headless Chromium (Debian's package; never a
 * downloaded browser) against the reports router on a real HTTP server and PostgreSQL store, fed
 * through the shadow pipeline's pieces.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = path.resolve('artifacts/screenshots');

let f: QaReportsFixture;
let browser: Browser;
const dialogs: string[] = [];

const athlete = (score: number, traceId: string) => ({ id: 'a1', name: 'Ada', score, traceId });

/** Half the requests hit the athlete whose score the new handler rounds differently. */
function athleteTraffic(n: number): PlayedExchange[] {
  return Array.from({ length: n }, (_, i) => ({
    routeId: 'athletes-get',
    request: { method: 'GET', path: `/api/athletes/a${i % 2}` },
    legacy: athlete(i % 2 === 0 ? 7.5 : 6, `t${i}`),
    legacyAgain: athlete(i % 2 === 0 ? 7.5 : 6, `u${i}`),
    candidate: athlete(i % 2 === 0 ? 7.4 : 6, `v${i}`),
  }));
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH. ` +
        'These browser tests never download a browser.',
    );
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Chromium starts while PostgreSQL and the admin server are being set up.
  const launching = chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  // Observed here so a failed launch is reported by the `await` below, not as an unhandled rejection.
  launching.catch(() => undefined);
  try {
    f = await startQaReportsFixture();
  } catch (error: unknown) {
    await (await launching).close();
    throw error;
  }
  await f.play(athleteTraffic(8));
  await f.play([
    {
      routeId: 'squads-list',
      request: {
        method: 'GET',
        path: '/api/squads/"><script>alert(1)</script>',
        query: 'q=<img src=x onerror=alert(2)>',
      },
      legacy: { name: '<script>alert("legacy")</script>' },
      candidate: { name: '<img src=x onerror=alert(3)>' },
    },
  ]);
  browser = await launching;
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await f?.close();
});

async function signedInPage(token: string, name: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(`${f.baseUrl}/reports`);
  expect(new URL(page.url()).pathname).toBe('/reports/login');
  await page.fill('input[name="name"]', name);
  await page.fill('input[name="token"]', token);
  await Promise.all([
    page.waitForURL(`${f.baseUrl}/reports`),
    page.click('#login-form button[type="submit"]'),
  ]);
  return page;
}

async function matchRateOnOverview(page: Page): Promise<number> {
  await page.goto(`${f.baseUrl}/reports?window=1h`);
  const text = await page.locator('tr[data-route="athletes-get"] td.match-rate').innerText();
  return Number(text.replace('%', ''));
}

describe('QA reports in a browser', () => {
  it('walks from the overview to the differing sample, accepts it and sees the match rate rise', async () => {
    const page = await signedInPage(f.tokens.adminQaToken, 'Quinn QA');
    const before = await matchRateOnOverview(page);
    expect(before).toBeCloseTo(50, 0);
    expect(await page.locator('tr[data-route="athletes-get"] td.open-groups').innerText()).toBe('1');
    expect(await page.locator('svg.chart polyline, svg.chart circle').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'overview-before-accept.png'), fullPage: true });

    await page.click('tr[data-route="athletes-get"] a');
    await expect(page.locator('table.groups code').first().innerText()).resolves.toBe('$.score');
    await page.click('table.groups a');
    await page.click('a.sample-link');
    const marked = page.locator('table.json-diff td.legacy .mark-diff');
    expect(await marked.getAttribute('data-path')).toBe('$.score');
    expect(await page.locator('table.json-diff td.legacy .mark-noise').getAttribute('data-path')).toBe(
      '$.traceId',
    );
    await page.screenshot({ path: path.join(SCREENSHOTS, 'sample-side-by-side.png'), fullPage: true });

    await page.goBack();
    await page.fill(
      '#accept-form textarea[name="reason"]',
      'New handler rounds to one decimal by design (ticket 42)',
    );
    await Promise.all([
      page.waitForURL(/\/reports\/routes\/athletes-get/),
      page.click('#accept-form button'),
    ]);
    expect(await page.locator('table.rules').innerText()).toContain('Quinn QA');
    expect(await page.locator('table.rules').innerText()).toContain('rounds to one decimal');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'route-after-accept.png'), fullPage: true });

    // The next comparisons apply the accepted rule, as the shadow runner does.
    await f.play(athleteTraffic(8));
    const after = await matchRateOnOverview(page);
    expect(after).toBeGreaterThan(before);
    // The mismatches before the accept are that accepted difference too: they agree now.
    expect(after).toBeCloseTo(100, 0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'overview-after-accept.png'), fullPage: true });
    await page.context().close();
  });

  it('renders a hostile sample as text and runs none of it', async () => {
    const page = await signedInPage(f.tokens.adminQaToken, 'Quinn QA');
    const window = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) };
    const group = (await f.store.listGroups('squads-list', { window }))[0];
    const sample = (await f.store.listSamples(group?.id ?? '', 1))[0];
    await page.goto(`${f.baseUrl}/reports/samples/${sample?.id}`);
    expect(await page.locator('code.request-line').innerText()).toContain(
      '"><script>alert(1)</script>?q=<img src=x onerror=alert(2)>',
    );
    const side = async (column: string) =>
      (await page.locator(`table.json-diff td.${column}`).allInnerTexts()).join('\n');
    expect(await side('legacy')).toContain('<script>alert(\\"legacy\\")</script>');
    expect(await side('new')).toContain('<img src=x onerror=alert(3)>');
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('main img').count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hostile-sample.png'), fullPage: true });
    expect(dialogs).toEqual([]);
    await page.context().close();
  });

  it('does not let a QA session do an operator action', async () => {
    const page = await signedInPage(f.tokens.adminQaToken, 'Quinn QA');
    const window = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) };
    const group = (await f.store.listGroups('squads-list', { window }))[0];
    await page.goto(`${f.baseUrl}/reports/groups/${group?.id}`);
    // The page offers a QA session no delete form; the same post, forged with the session's token, is refused.
    expect(await page.locator('#delete-form').count()).toBe(0);
    const csrf = await page.locator('#defect-form input[name="_csrf"]').inputValue();
    const response = await page.request.post(`${f.baseUrl}/reports/groups/${group?.id}/delete`, {
      form: { _csrf: csrf, reason: 'clean up' },
    });
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('Operator role required');
    expect(await f.store.getGroup(group?.id ?? '')).toBeDefined();

    // The rule from the first test cannot be revoked from a QA session either: the page offers no button.
    await page.goto(`${f.baseUrl}/reports/routes/athletes-get`);
    expect(await page.locator('table.rules form').count()).toBe(0);
    await page.context().close();
  });

  it('lets an operator revoke an accepted rule', async () => {
    const page = await signedInPage(f.tokens.adminOperatorToken, 'Olive Ops');
    await page.goto(`${f.baseUrl}/reports/routes/athletes-get`);
    await page.fill('table.rules input[name="reason"]', 'rounding fixed in the new handler');
    await Promise.all([page.waitForURL(/\/reports\/routes\/athletes-get/), page.click('table.rules button')]);
    expect(await page.locator('table.rules').count()).toBe(0);
    expect(await f.store.activeRules('athletes-get')).toEqual([]);
    await page.context().close();
  });
});
