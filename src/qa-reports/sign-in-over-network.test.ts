import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import https from 'node:https';
import {
  createSelfSignedCertificate,
  type SelfSignedCertificate,
} from '../testing/self-signed-certificate.ts';
import { startQaReportsFixture, type QaReportsFixture } from './qa-reports-fixture.ts';

/*
 * QA sign-in reached under a network name rather than localhost, over real sockets: over HTTPS
 * (ADMIN_TLS_CERT / ADMIN_TLS_KEY) the whole flow works; over plain HTTP, where browsers drop the
 * `__Host-` / `Secure` cookies, the pages say what is needed instead of "form expired".
 */
const NAME = 'admin.strangler.test';

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One request to 127.0.0.1:port as if to `host`; over TLS it checks the certificate against `ca`. */
function call(
  port: number,
  path: string,
  options: { host: string; ca?: Buffer; method?: string; headers?: http.OutgoingHttpHeaders; body?: string },
): Promise<Reply> {
  const client = options.ca === undefined ? http : https;
  return new Promise((resolve, reject) => {
    const req = client.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host: `${options.host}:${port}`, ...options.headers },
        agent: false,
        ...(options.ca === undefined ? {} : { ca: options.ca, servername: options.host }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const cookieOf = (reply: Reply, name: string): string | undefined =>
  reply.headers['set-cookie']?.find((c) => c.startsWith(`${name}=`));

/** The sign-in page, then its form posted back with the nonce cookie the page set (when there was one). */
async function signIn(
  f: QaReportsFixture,
  options: { host: string; ca?: Buffer; headers?: http.OutgoingHttpHeaders; keepNonce: boolean },
): Promise<{ page: Reply; posted: Reply }> {
  const page = await call(f.port, '/reports/login', options);
  const nonce = cookieOf(page, '__Host-strangler-qa-login')?.split(';')[0];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const posted = await call(f.port, '/reports/login', {
    ...options,
    method: 'POST',
    headers: {
      ...options.headers,
      'content-type': 'application/x-www-form-urlencoded',
      ...(options.keepNonce && nonce !== undefined ? { cookie: nonce } : {}),
    },
    body: new URLSearchParams({
      _csrf: csrf,
      token: f.tokens.adminQaToken,
      name: 'Quinn',
      next: '/reports',
    }).toString(),
  });
  return { page, posted };
}

let plain: QaReportsFixture;
let secure: QaReportsFixture;
let certificate: SelfSignedCertificate;

beforeAll(async () => {
  certificate = createSelfSignedCertificate([NAME]);
  plain = await startQaReportsFixture();
  secure = await startQaReportsFixture({ tls: certificate });
});

afterAll(async () => {
  await plain?.close();
  await secure?.close();
  certificate?.remove();
});

describe('QA sign-in under a network name', () => {
  it('signs in over HTTPS with a real certificate, and the session opens the reports', async () => {
    const ca = certificate.cert;
    const { page, posted } = await signIn(secure, { host: NAME, ca, keepNonce: true });
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('plain-http-notice');
    expect(cookieOf(page, '__Host-strangler-qa-login')).toMatch(/; Secure$/);
    expect(posted.status).toBe(303);
    const session = cookieOf(posted, '__Host-strangler-qa');
    expect(session).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
    const overview = await call(secure.port, '/reports', {
      host: NAME,
      ca,
      headers: { cookie: session?.split(';')[0] ?? '' },
    });
    expect(overview.status).toBe(200);
    expect(overview.body).toContain('Signed in as <strong>Quinn</strong>');
  });

  it('says on the plain-HTTP sign-in page what is needed, and does not answer "form expired"', async () => {
    // A browser drops the Secure nonce cookie here, so its post comes back without it.
    const { page, posted } = await signIn(plain, { host: NAME, keepNonce: false });
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="plain-http-notice"');
    expect(page.body).toContain(`plain HTTP as <code>${NAME}</code>`);
    for (const needed of ['ADMIN_TLS_CERT', 'ADMIN_TLS_KEY', 'X-Forwarded-Proto: https', 'localhost']) {
      expect(page.body).toContain(needed);
    }
    expect(page.body).toContain('id="login-form"');
    expect(posted.status).toBe(403);
    expect(posted.body).toContain('Sign-in needs HTTPS');
    expect(posted.body).toContain('ADMIN_TLS_CERT');
    expect(posted.body).not.toContain('form expired');
  });

  it('says nothing of the kind on loopback names, over a TLS proxy in front, and keeps "form expired" there', async () => {
    for (const host of ['localhost', 'qa.localhost', '127.0.0.1', '127.0.0.2', '[::1]']) {
      const { page, posted } = await signIn(plain, { host, keepNonce: true });
      expect([host, page.body.includes('plain-http-notice')]).toEqual([host, false]);
      expect([host, posted.status]).toEqual([host, 303]);
    }
    const proxied = await signIn(plain, {
      host: NAME,
      headers: { 'x-forwarded-proto': 'https' },
      keepNonce: true,
    });
    expect(proxied.page.body).not.toContain('plain-http-notice');
    expect(proxied.posted.status).toBe(303);
    const expired = await signIn(plain, { host: 'localhost', keepNonce: false });
    expect(expired.posted.status).toBe(403);
    expect(expired.posted.body).toContain('Sign-in form expired');
  });
});
