import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser } from 'playwright-core';
import {
  createSelfSignedCertificate,
  type SelfSignedCertificate,
} from '../testing/self-signed-certificate.ts';
import { startQaReportsFixture, type QaReportsFixture } from './qa-reports-fixture.ts';

/*
 * QA sign-in in a real headless Chromium (Debian's package) under a network name, as a reviewer on
 * another machine reaches the admin port: the name resolves to 127.0.0.1 through Chromium's host
 * resolver rules, and the admin port's self-signed certificate is trusted by its public key only.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const NAME = 'admin.strangler.test';

let browser: Browser;
let certificate: SelfSignedCertificate;
let secure: QaReportsFixture;
let plain: QaReportsFixture;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package or set CHROMIUM_PATH.`);
  }
  certificate = createSelfSignedCertificate([NAME]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      `--host-resolver-rules=MAP ${NAME} 127.0.0.1`,
      `--ignore-certificate-errors-spki-list=${certificate.spkiSha256}`,
    ],
  });
  secure = await startQaReportsFixture({ tls: certificate });
  plain = await startQaReportsFixture();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await secure?.close();
  await plain?.close();
  certificate?.remove();
});

async function submitSignIn(
  base: string,
  token: string,
): Promise<{ url: string; heading: string; text: string }> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${base}/reports`);
    expect(new URL(page.url()).pathname).toBe('/reports/login');
    await page.fill('input[name="name"]', 'Quinn QA');
    await page.fill('input[name="token"]', token);
    await Promise.all([page.waitForNavigation(), page.click('#login-form button[type="submit"]')]);
    return { url: page.url(), heading: await page.innerText('h1'), text: await page.innerText('body') };
  } finally {
    await context.close();
  }
}

describe('QA sign-in in a browser under a network name', () => {
  it('signs in over HTTPS and lands on the reports', async () => {
    const base = `https://${NAME}:${secure.port}`;
    const landed = await submitSignIn(base, secure.tokens.adminQaToken);
    expect(landed.url).toBe(`${base}/reports`);
    expect(landed.text).toContain('Signed in as Quinn QA (qa)');
  });

  it('over plain HTTP says what is needed instead of "form expired"', async () => {
    const base = `http://${NAME}:${plain.port}`;
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${base}/reports/login`);
      expect(await page.innerText('#plain-http-notice')).toContain('ADMIN_TLS_CERT');
    } finally {
      await context.close();
    }
    const landed = await submitSignIn(base, plain.tokens.adminQaToken);
    expect(landed.heading).toBe('Sign-in needs HTTPS');
    expect(landed.text).toContain('X-Forwarded-Proto: https');
  });
});
