import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';

import {
  createSelfSignedCertificate,
  type SelfSignedCertificate,
} from '../testing/self-signed-certificate.ts';
import { projectNode, REPO_ROOT, startStrangler, type StranglerProcess } from './strangler-process.ts';

/*
 * `npm start` with ADMIN_TLS_CERT / ADMIN_TLS_KEY: the admin port answers over HTTPS with that
 * certificate and says so at startup; half a pair or an unreadable file stops startup with the reason.
 */

const STEP_MS = 120_000;

let workDir: string;
let certificate: SelfSignedCertificate;
let strangler: StranglerProcess | undefined;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'strangler-e2e-admin-tls-'));
  // As root the embedded PostgreSQL runs as `postgres`, which must traverse DATA_DIR's parents.
  await chmod(workDir, 0o755);
  certificate = createSelfSignedCertificate(['localhost']);
});

afterAll(async () => {
  await strangler?.stop('SIGINT').catch(() => undefined);
  certificate?.remove();
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
}, STEP_MS);

/** GET over TLS, trusting only the test's certificate. */
function getOverTls(
  url: URL,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: certificate.cert, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

test(
  'serves the admin port over HTTPS with the configured certificate',
  async () => {
    const flagsFile = path.join(workDir, 'flags.json');
    await copyFile(path.join(REPO_ROOT, 'flags', 'flags.json'), flagsFile);
    strangler = await startStrangler({
      dataDir: path.join(workDir, 'data'),
      flagsFile,
      env: {
        LOG_LEVEL: 'info',
        LEGACY_STAND_IN: 'node',
        ADMIN_TLS_CERT: certificate.certFile,
        ADMIN_TLS_KEY: certificate.keyFile,
      },
    });
    expect(strangler.adminUrl.protocol).toBe('https:');
    // Info lines are written in batches (logger.ts), so possibly after the banner.
    await until(() => strangler?.output().includes('the admin port speaks HTTPS') === true);
    const url = new URL('/health/ready', strangler.adminUrl);
    url.hostname = 'localhost';
    const bare = await getOverTls(url);
    expect([bare.status, bare.body]).toEqual([200, '{"status":"ready"}']);
    const detailed = await getOverTls(url, { authorization: `Bearer ${strangler.qaToken}` });
    expect(JSON.parse(detailed.body)).toMatchObject({ status: 'ready', checks: expect.any(Array) });
    // The same port refuses plain HTTP rather than answering it in clear.
    await expect(fetch(new URL(url.pathname, `http://127.0.0.1:${url.port}`))).rejects.toThrow();
  },
  STEP_MS,
);

async function until(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('stops at startup, naming the problem, on half a pair or a file it cannot read', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(projectNode(), ['src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
  const half = run({ ADMIN_TLS_CERT: certificate.certFile });
  expect(half.status).toBe(2);
  expect(half.stderr).toContain('ADMIN_TLS_CERT and ADMIN_TLS_KEY must be set together');
  const missing = path.join(workDir, 'missing-key.pem');
  const unreadable = run({ ADMIN_TLS_CERT: certificate.certFile, ADMIN_TLS_KEY: missing });
  expect(unreadable.status).toBe(2);
  expect(unreadable.stderr).toContain(`ADMIN_TLS_KEY: cannot read "${missing}" (ENOENT)`);
});
