import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import { startQaReportsFixture, type QaReportsFixture } from '../qa-reports/qa-reports-fixture.ts';
import { request } from '../proxy/proxy-test-harness.ts';
import { createAuthFailureLimiter } from './auth-failure-limiter.ts';

/**
 * The wrong-token limit on the real admin port, with the QA reports mounted the way main.ts mounts them.
 * Each test speaks from its own loopback address (Linux routes all of 127/8 to lo), so their counts
 * stay apart exactly as two clients' would.
 */

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

let f: QaReportsFixture;
let port: number;
let clock = 1_000_000;

beforeAll(async () => {
  f = await startQaReportsFixture({ authFailureLimiter: createAuthFailureLimiter({ now: () => clock }) });
  port = Number(new URL(f.baseUrl).port);
});

afterAll(async () => {
  await f?.close();
});

/** One request on its own connection from the loopback address `from`. */
async function call(
  from: string,
  path: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string } = {},
): Promise<Reply> {
  const reply = await request(new URL(`http://127.0.0.1:${port}`), { ...options, path, localAddress: from });
  return { status: reply.status, headers: reply.headers, body: reply.body.toString() };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Fetches the sign-in page from `from`, then posts the form with `token` and `name`. */
async function signIn(from: string, token: string, name = 'Quinn'): Promise<Reply> {
  const page = await call(from, '/reports/login');
  const nonceCookie = (page.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  return call(from, '/reports/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: nonceCookie },
    body: new URLSearchParams({ _csrf: csrf, token, name, next: '/reports' }).toString(),
  });
}

const hasSession = (reply: Reply): boolean =>
  (reply.headers['set-cookie'] ?? []).some((c) => c.startsWith('__Host-strangler-qa='));

async function blockedTotal(): Promise<number> {
  const metrics = await call('127.0.0.1', '/metrics');
  const line = /^strangler_admin_auth_blocked_total (\d+)$/m.exec(metrics.body);
  if (line === null) throw new Error('strangler_admin_auth_blocked_total missing from /metrics');
  return Number(line[1]);
}

function expectBlockedProblem(reply: Reply): void {
  expect(reply.status).toBe(429);
  expect(reply.headers['retry-after']).toBe('300');
  expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = JSON.parse(reply.body) as Record<string, unknown>;
  expect(problem).toMatchObject({ status: 429, title: 'Too Many Requests' });
  expect(problem.detail).toMatch(/authentication attempts are temporarily blocked/);
}

describe('wrong-token limit on the admin port', () => {
  it('answers ten wrong bearer tokens with 401, then 429 with Retry-After, even for the right token', async () => {
    const from = '127.0.0.2';
    const before = await blockedTotal();
    for (let i = 0; i < 10; i++) {
      const wrong = await call(from, '/api/routes', { headers: bearer(`guess-${i}`) });
      expect(wrong.status).toBe(401);
    }
    expectBlockedProblem(await call(from, '/api/routes', { headers: bearer('guess-10') }));
    // The right tokens are not even checked while blocked: not on the admin API, not on the reports API.
    expectBlockedProblem(await call(from, '/api/routes', { headers: bearer(f.tokens.adminOperatorToken) }));
    expectBlockedProblem(await call(from, '/api/reports/routes', { headers: bearer(f.tokens.adminQaToken) }));

    // The sign-in form is blocked for the same address, with a page a person can read.
    const form = await signIn(from, f.tokens.adminQaToken);
    expect(form.status).toBe(429);
    expect(form.headers['retry-after']).toBe('300');
    expect(form.headers['content-type']).toMatch(/^text\/html/);
    expect(form.body).toContain('Too many failed sign-in attempts from your address');
    expect(form.body).toContain('blocked for 5 minutes');
    expect(form.body).toContain('id="login-form"');
    expect(hasSession(form)).toBe(false);

    // Without credentials nothing is guessed: the plain 401, not a 429.
    expect((await call(from, '/api/routes')).status).toBe(401);
    expect(await blockedTotal()).toBe(before + 4);
  });

  it('leaves other addresses alone', async () => {
    const from = '127.0.0.3';
    expect((await call(from, '/api/routes', { headers: bearer(f.tokens.adminQaToken) })).status).toBe(200);
    expect((await call(from, '/api/routes', { headers: bearer('guess') })).status).toBe(401);
    const form = await signIn(from, f.tokens.adminQaToken);
    expect(form.status).toBe(303);
    expect(hasSession(form)).toBe(true);
  });

  it('counts wrong tokens on the sign-in form and bearer headers together', async () => {
    const from = '127.0.0.4';
    for (let i = 0; i < 5; i++) {
      const form = await signIn(from, `guess-${i}`);
      expect(form.status).toBe(401);
      expect(form.body).toContain('Unknown token.');
    }
    for (let i = 0; i < 5; i++) {
      const api = await call(from, '/api/reports/routes', { headers: bearer(`guess-${i}`) });
      expect(api.status).toBe(401);
    }
    expectBlockedProblem(await call(from, '/api/routes', { headers: bearer(f.tokens.adminQaToken) }));
    expect((await signIn(from, f.tokens.adminOperatorToken)).status).toBe(429);
  });

  it('does not count requests that present no token', async () => {
    const from = '127.0.0.5';
    for (let i = 0; i < 15; i++) {
      expect((await call(from, '/api/routes')).status).toBe(401);
      expect((await call(from, '/api/reports/routes')).status).toBe(401);
      expect((await signIn(from, '')).status).toBe(401);
      // Without a name the token is not looked at, so a wrong one costs nothing either.
      const nameless = await signIn(from, `guess-${i}`, '');
      expect(nameless.status).toBe(401);
      expect(nameless.body).toContain('Enter your name.');
    }
    expect((await call(from, '/api/routes', { headers: bearer(f.tokens.adminQaToken) })).status).toBe(200);
    expect((await signIn(from, f.tokens.adminQaToken)).status).toBe(303);
  });

  it('counts wrong tokens on readiness as guesses, but never lets them fail the probe', async () => {
    const from = '127.0.0.6';
    expect(
      JSON.parse((await call(from, '/health/ready', { headers: bearer(f.tokens.adminQaToken) })).body),
    ).toEqual({ status: 'ready', checks: [] });
    for (let i = 0; i < 10; i++) {
      const probe = await call(from, '/health/ready', { headers: bearer(`guess-${i}`) });
      expect([probe.status, probe.body]).toEqual([200, '{"status":"ready"}']);
    }
    expectBlockedProblem(await call(from, '/api/routes', { headers: bearer(f.tokens.adminQaToken) }));
    // Blocked, the right token buys no detail either; the bare status stays.
    const blocked = await call(from, '/health/ready', { headers: bearer(f.tokens.adminQaToken) });
    expect([blocked.status, blocked.body]).toEqual([200, '{"status":"ready"}']);
  });

  // Last: moving the clock ends every block above.
  it('lets a blocked address in again once the window has passed', async () => {
    const from = '127.0.0.2';
    clock += 4 * 60_000;
    const still = await call(from, '/api/routes', { headers: bearer(f.tokens.adminQaToken) });
    expect(still.status).toBe(429);
    expect(still.headers['retry-after']).toBe('60');
    clock += 60_000;
    expect((await call(from, '/api/routes', { headers: bearer(f.tokens.adminQaToken) })).status).toBe(200);
    expect((await signIn(from, f.tokens.adminQaToken)).status).toBe(303);
  });
});
