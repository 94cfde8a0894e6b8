import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CONTENT_SECURITY_POLICY } from './security-headers.ts';
import { startQaReportsFixture, type QaReportsFixture } from './qa-reports-fixture.ts';

let f: QaReportsFixture;
let hostileSampleId: string;
let groupId: string;
const ORGANISATION = '0c6f9f9e-3a0b-4e55-9d7e-2f1f5c1d0a01';

const athlete = (score: number, traceId: string) => ({
  id: 'a1',
  name: 'Ada',
  score,
  traceId,
  email: 'ada@example.com',
});

beforeAll(async () => {
  f = await startQaReportsFixture();
  const exchanges = [];
  for (let i = 0; i < 4; i++) {
    exchanges.push({
      routeId: 'athletes-get',
      request: { method: 'GET', path: '/api/athletes/a1' },
      legacy: athlete(7.5, `t${i}`),
      legacyAgain: athlete(7.5, `u${i}`),
      candidate: athlete(7.4, `v${i}`),
    });
  }
  exchanges.push({
    routeId: 'squads-list',
    request: {
      method: 'GET',
      path: '/api/squads/<script>alert(1)</script>',
      query: 'q=<img src=x onerror=alert(2)>',
    },
    legacy: { name: '<script>alert("legacy")</script>' },
    candidate: { name: '<b onmouseover=alert(3)>new</b>' },
    caller: { subject: '<i>coach-1</i>', organisationId: ORGANISATION },
  });
  await f.play(exchanges);
  const hostileGroup = (await f.store.listGroups('squads-list', { window: lastHour() }))[0];
  hostileSampleId = (await f.store.listSamples(hostileGroup?.id ?? '', 1))[0]?.id ?? '';
  groupId = (await f.store.listGroups('athletes-get', { window: lastHour() }))[0]?.id ?? '';
});

afterAll(async () => {
  await f?.close();
});

function lastHour() {
  return { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function signIn(
  token: string,
  name = 'Quinn',
): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const page = await fetch(`${f.baseUrl}/reports/login`);
  const nonceCookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const loginCsrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const res = await fetch(`${f.baseUrl}/reports/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: nonceCookie },
    body: new URLSearchParams({ _csrf: loginCsrf, token, name, next: '/reports' }),
  });
  expect(res.status).toBe(303);
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('__Host-strangler-qa=')) ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  const overview = await fetch(`${f.baseUrl}/reports`, { headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await overview.text())?.[1] ?? '';
  return { cookie, csrf, setCookie };
}

describe('QA reports access control', () => {
  it('sends the strict CSP and hardening headers on pages, the API and the login page', async () => {
    for (const path of ['/reports/login', '/reports', '/api/reports/routes', '/openapi.json']) {
      const res = await fetch(`${f.baseUrl}${path}`, { headers: bearer(f.tokens.adminQaToken) });
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('sends signed-out browsers to the login page and rejects the API without a valid token', async () => {
    const page = await fetch(`${f.baseUrl}/reports/routes/athletes-get`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/reports/login?next=%2Freports%2Froutes%2Fathletes-get');
    expect((await fetch(`${f.baseUrl}/api/reports/routes`)).status).toBe(401);
    const wrong = await fetch(`${f.baseUrl}/api/reports/routes`, {
      headers: bearer(`${f.tokens.adminQaToken}x`),
    });
    expect(wrong.status).toBe(401);
  });

  it('signs in with a token into a Secure, HttpOnly, SameSite=Strict session cookie', async () => {
    const { setCookie, cookie } = await signIn(f.tokens.adminQaToken);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    const overview = await fetch(`${f.baseUrl}/reports`, { headers: { cookie } });
    expect(overview.status).toBe(200);
    expect(await overview.text()).toContain('Signed in as <strong>Quinn</strong> (qa)');
  });

  it('refuses an unknown token and a login form without its CSRF token', async () => {
    const page = await fetch(`${f.baseUrl}/reports/login`);
    const nonceCookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const post = (body: Record<string, string>) =>
      fetch(`${f.baseUrl}/reports/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: nonceCookie },
        body: new URLSearchParams(body),
      });
    const wrongToken = await post({ _csrf: csrf, name: 'Mallory', token: 'guess-guess-guess' });
    expect(wrongToken.status).toBe(401);
    expect(wrongToken.headers.getSetCookie().some((c) => c.startsWith('__Host-strangler-qa='))).toBe(false);
    expect((await post({ name: 'Mallory', token: f.tokens.adminOperatorToken })).status).toBe(403);
  });

  it('signs out on every replica: the signed-out cookie is refused afterwards, other sessions are not', async () => {
    const kept = await signIn(f.tokens.adminQaToken, 'Robin');
    const { cookie, csrf } = await signIn(f.tokens.adminQaToken, 'Sam');
    const out = await fetch(`${f.baseUrl}/reports/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/reports/login');
    // A copy of the cookie kept elsewhere (another browser, a leaked header) no longer works.
    const page = await fetch(`${f.baseUrl}/reports`, { redirect: 'manual', headers: { cookie } });
    expect(page.status).toBe(303);
    // …and that browser is told to drop it.
    expect(page.headers.getSetCookie()).toEqual([expect.stringMatching(/^__Host-strangler-qa=;.*Max-Age=0/)]);
    expect((await fetch(`${f.baseUrl}/api/reports/routes`, { headers: { cookie } })).status).toBe(401);
    expect((await fetch(`${f.baseUrl}/reports`, { headers: { cookie: kept.cookie } })).status).toBe(200);
    const audit = await f.store.auditLog({ limit: 20 });
    expect(audit.find((entry) => entry.action === 'sign-out')).toMatchObject({ actor: 'Sam', role: 'qa' });
  });

  it('rejects a tampered session cookie', async () => {
    const { cookie } = await signIn(f.tokens.adminQaToken);
    const [name, value] = cookie.split('=') as [string, string];
    const [payload, mac] = value.split('.') as [string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'operator' }),
    );
    const res = await fetch(`${f.baseUrl}/reports`, {
      redirect: 'manual',
      headers: { cookie: `${name}=${forged.toString('base64url')}.${mac}` },
    });
    expect(res.status).toBe(303);
  });

  it('refuses a form post from a session without the CSRF token, and accepts it with the token', async () => {
    const { cookie, csrf } = await signIn(f.tokens.adminQaToken);
    const post = (body: Record<string, string>) =>
      fetch(`${f.baseUrl}/reports/groups/${groupId}/defect`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams(body),
      });
    expect((await post({ note: 'forged' })).status).toBe(403);
    expect((await post({ note: 'forged', _csrf: 'x'.repeat(43) })).status).toBe(403);
    expect((await f.store.getGroup(groupId))?.status).toBe('open');
    expect((await post({ note: 'rounding is half-even', _csrf: csrf })).status).toBe(303);
    expect((await f.store.getGroup(groupId))?.statusNote).toBe('rounding is half-even');
  });

  it('lets a QA token read and decide but not do an operator action', async () => {
    const asQa = await fetch(`${f.baseUrl}/api/reports/groups/${groupId}`, {
      method: 'DELETE',
      headers: { ...bearer(f.tokens.adminQaToken), 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'tidy up' }),
    });
    expect(asQa.status).toBe(403);
    expect(await f.store.getGroup(groupId)).toBeDefined();
    const { cookie, csrf } = await signIn(f.tokens.adminQaToken);
    const formDelete = await fetch(`${f.baseUrl}/reports/groups/${groupId}/delete`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ reason: 'tidy up', _csrf: csrf }),
    });
    expect(formDelete.status).toBe(403);
    expect(await f.store.getGroup(groupId)).toBeDefined();
  });

  it('never redirects off-site after sign-in', async () => {
    const page = await fetch(`${f.baseUrl}/reports/login?next=//evil.example/x`);
    expect(await page.text()).toContain('name="next" value="/reports"');
  });
});

describe('QA reports rendering', () => {
  it('renders a hostile sample as text: no tag from the sample reaches the page unescaped', async () => {
    const res = await fetch(`${f.baseUrl}/reports/samples/${hostileSampleId}`, {
      headers: bearer(f.tokens.adminQaToken),
    });
    const page = await res.text();
    expect(res.status).toBe(200);
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    expect(page).not.toMatch(/<b onmouseover/i);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('&lt;b onmouseover=alert(3)&gt;new&lt;/b&gt;');
  });

  it('shows redacted credentials and personal data, never the captured values', async () => {
    const group = (await f.store.listGroups('athletes-get', { window: lastHour() }))[0];
    const sample = (await f.store.listSamples(group?.id ?? '', 1))[0];
    const page = await (
      await fetch(`${f.baseUrl}/reports/samples/${sample?.id}`, { headers: bearer(f.tokens.adminQaToken) })
    ).text();
    expect(page).not.toContain('secret-of-the-client');
    expect(page).not.toContain('ada@example.com');
  });

  it("shows the sample's caller, escaped, in the page and the JSON API, and never the client's token", async () => {
    const res = await fetch(`${f.baseUrl}/reports/samples/${hostileSampleId}`, {
      headers: bearer(f.tokens.adminQaToken),
    });
    const page = await res.text();
    expect(page).toMatch(
      new RegExp(
        `Caller <code>&lt;i&gt;coach-1&lt;/i&gt;</code> · organisation <code>${ORGANISATION}</code>`,
      ),
    );
    const api = await fetch(`${f.baseUrl}/api/reports/samples/${hostileSampleId}`, {
      headers: bearer(f.tokens.adminQaToken),
    });
    const text = await api.text();
    expect((JSON.parse(text) as { sample: { caller: unknown } }).sample.caller).toEqual({
      subject: '<i>coach-1</i>',
      organisationId: ORGANISATION,
    });
    expect(page + text).not.toContain('secret-of-the-client');
  });

  it('highlights the differing path and shows learned noise apart', async () => {
    const group = (await f.store.listGroups('athletes-get', { window: lastHour() }))[0];
    expect(group?.paths).toEqual([{ path: '$.score', kind: 'changed' }]);
    const sample = (await f.store.listSamples(group?.id ?? '', 1))[0];
    const page = await (
      await fetch(`${f.baseUrl}/reports/samples/${sample?.id}`, { headers: bearer(f.tokens.adminQaToken) })
    ).text();
    expect(page).toMatch(
      /<span class="mark-diff" data-path="\$\.score"[^>]*><span class="json-key">&quot;score&quot;<\/span>: <span class="json-literal">7\.5<\/span>/,
    );
    expect(page).toMatch(/<span class="mark-noise" data-path="\$\.traceId"/);
  });

  it('answers unknown ids with 404 pages and API errors, not 500', async () => {
    const page = await fetch(`${f.baseUrl}/reports/samples/nope`, { headers: bearer(f.tokens.adminQaToken) });
    expect(page.status).toBe(404);
    const api = await fetch(`${f.baseUrl}/api/reports/routes/nope`, {
      headers: bearer(f.tokens.adminQaToken),
    });
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: 'not_found' });
  });
});

describe('QA reports input validation', () => {
  it('refuses a defect link that is not http(s), so it can never become a javascript: anchor', async () => {
    const window = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) };
    const group = (await f.store.listGroups('athletes-get', { window }))[0];
    for (const link of ['javascript:alert(1)', 'not a url']) {
      const res = await fetch(`${f.baseUrl}/api/reports/groups/${group?.id}/defect`, {
        method: 'POST',
        headers: { ...bearer(f.tokens.adminQaToken), 'content-type': 'application/json' },
        body: JSON.stringify({ note: 'n', link }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        error: 'bad_request',
        problems: ['link must be an http(s) URL'],
      });
    }
  });

  it('requires a reason to accept a difference', async () => {
    const res = await fetch(`${f.baseUrl}/api/reports/groups/${groupId}/accept`, {
      method: 'POST',
      headers: { ...bearer(f.tokens.adminQaToken), 'content-type': 'application/json' },
      body: JSON.stringify({ reason: '   ' }),
    });
    expect(res.status).toBe(400);
  });
});

describe('QA reports status differences', () => {
  it('highlights a differing status on both sides of the sample', async () => {
    await f.play([
      {
        routeId: 'athletes-get',
        request: { method: 'GET', path: '/api/athletes/gone' },
        legacy: { title: 'Not Found' },
        candidate: { title: 'Not Found' },
        candidateStatus: 500,
      },
    ]);
    const window = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) };
    const group = (await f.store.listGroups('athletes-get', { window })).find(
      (g) => g.paths[0]?.path === 'status',
    );
    expect(group?.paths).toEqual([{ path: 'status', kind: 'changed' }]);
    const sample = (await f.store.listSamples(group?.id ?? '', 1))[0];
    const page = await (
      await fetch(`${f.baseUrl}/reports/samples/${sample?.id}`, { headers: bearer(f.tokens.adminQaToken) })
    ).text();
    expect(page).toContain('Legacy · <span class="mark-diff" data-path="status">200</span>');
    expect(page).toContain('New · <span class="mark-diff" data-path="status">500</span>');
  });
});

describe('QA reports export download', () => {
  it('downloads the sign-off report for the signed-in browser as an attachment', async () => {
    const { cookie } = await signIn(f.tokens.adminQaToken);
    const res = await fetch(`${f.baseUrl}/reports/export?window=1h&format=csv&routes=athletes-get`, {
      headers: { cookie },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="?strangler-diff-report-\d{8}T\d{4}\.csv"?$/,
    );
    const csv = await res.text();
    expect(csv.split('\r\n')[1]?.startsWith('athletes-get,')).toBe(true);
    expect(csv).not.toContain('squads-list');
  });

  it('refuses an unknown route or format in the export', async () => {
    const headers = bearer(f.tokens.adminQaToken);
    expect((await fetch(`${f.baseUrl}/api/reports/export?routes=nope`, { headers })).status).toBe(404);
    expect((await fetch(`${f.baseUrl}/api/reports/export?format=xlsx`, { headers })).status).toBe(400);
  });
});

describe('QA reports time window', () => {
  it('filters a route by an explicit from/to range and rejects a reversed one', async () => {
    const headers = bearer(f.tokens.adminQaToken);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const later = new Date(Date.now() + 7_200_000).toISOString();
    const empty = await fetch(`${f.baseUrl}/api/reports/routes/athletes-get?from=${future}&to=${later}`, {
      headers,
    });
    expect(empty.status).toBe(200);
    expect(await empty.json()).toMatchObject({ groups: [], stats: { total: 0, matchRate: null } });
    const page = await fetch(`${f.baseUrl}/reports/routes/athletes-get?from=${future}&to=${later}`, {
      headers,
    });
    expect(await page.text()).toContain('<option value="" selected disabled>the range below</option>');
    const reversed = await fetch(`${f.baseUrl}/api/reports/routes/athletes-get?from=${later}&to=${future}`, {
      headers,
    });
    expect(reversed.status).toBe(400);
    expect(await reversed.json()).toMatchObject({ problems: ['from must be before to'] });
  });

  it("keeps a from/to range in the overview's route and export links", async () => {
    const headers = bearer(f.tokens.adminQaToken);
    const from = new Date(Date.now() - 7_200_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const overview = await (await fetch(`${f.baseUrl}/reports?from=${from}&to=${to}`, { headers })).text();
    const range = `from=${encodeURIComponent(from)}&amp;to=${encodeURIComponent(to)}`;
    expect(overview).toContain(`href="/reports/routes/athletes-get?${range}"`);
    expect(overview).toContain(`href="/reports/export?${range}&amp;format=csv"`);
    const routePage = await fetch(`${f.baseUrl}/reports/routes/athletes-get?from=${from}&to=${to}`, {
      headers,
    });
    expect(routePage.status).toBe(200);
    const exported = await fetch(`${f.baseUrl}/api/reports/export?from=${from}&to=${to}&format=json`, {
      headers,
    });
    const report = (await exported.json()) as { window: { from: string; to: string } };
    expect(report.window).toEqual({ from, to });
  });
});
