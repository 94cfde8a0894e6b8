import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { freePort } from '../demo/embedded-postgres.ts';
import { createTestDatabase, type TestDatabase } from '../../src/testing/test-database.ts';
import { eventually } from '../../src/testing/eventually.ts';
import { prepareImageLayout, REPO_ROOT, type ImageLayout } from './run-image-layout.ts';

let layout: ImageLayout;
let db: TestDatabase;
let upstream: http.Server;
let legacyUrl: string;

beforeAll(async () => {
  [layout, db] = await Promise.all([prepareImageLayout(), createTestDatabase('strangler_image')]);
  upstream = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ servedBy: 'upstream', path: req.url }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  legacyUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => upstream?.close(resolve));
  await db?.drop();
  await layout?.remove();
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; output: string }> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

/** Resolves once `url` answers 200; fails at once, with what it printed, if the process exits first. */
async function untilOk(url: string, exited: Promise<{ code: number | null; output: string }>): Promise<void> {
  let settled = false;
  const early = exited.then(({ code, output }) => {
    if (!settled) throw new Error(`exited with ${code} before ${url} answered 200:\n${output}`);
  });
  try {
    await Promise.race([
      eventually(async () => ((await statusOf(url)) === 200 ? true : undefined), 60_000),
      early,
    ]);
  } finally {
    settled = true;
  }
}

/** The status, or undefined while nothing answers. */
async function statusOf(url: string): Promise<number | undefined> {
  return fetch(url).then(
    (response) => response.status,
    () => undefined,
  );
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

describe('the image layout (Dockerfile and .dockerignore, rebuilt without a Docker engine)', () => {
  test('holds no devDependency, no test and none of the demo', async () => {
    const lock = JSON.parse(await readFile(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const modulesDir = path.join(layout.appDir, 'node_modules');
    const modules = await readdir(modulesDir);
    const packages = (
      await Promise.all(
        modules.map(async (name) =>
          name.startsWith('@')
            ? (await readdir(path.join(modulesDir, name))).map((n) => `${name}/${n}`)
            : [name],
        ),
      )
    ).flatMap((names) => names.map((name) => `node_modules/${name}`));
    expect(packages.length).toBeGreaterThan(100);
    expect(packages.filter((key) => lock.packages[key]?.dev === true)).toEqual([]);
    const own = (await filesUnder(layout.appDir)).filter((f) => !f.startsWith('node_modules/'));
    expect(own.filter((f) => /\.test\.ts$|\/testing\/|^src\/e2e\/|^scripts\/demo\//.test(f))).toEqual([]);
    expect(own).toEqual(expect.arrayContaining(['package.json', 'src/main.ts', 'scripts/sync-worker.ts']));
  });

  test('runs as a numeric non-root user that cannot write its own files', async () => {
    expect(layout.plan.uid).toBeGreaterThan(0);
    const write = layout.start({}, ['node', '-e', "require('fs').writeFileSync('src/planted.ts', '')"]);
    const { code, output } = await exitOf(write);
    expect(code).not.toBe(0);
    expect(output).toMatch(/EACCES|EPERM|EROFS/);
  });

  test('the sync worker resolves every module it imports from the production dependencies', async () => {
    const { code, output } = await exitOf(layout.start({}, ['node', 'scripts/sync-worker.ts', '--help']));
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('usage:') });
  });

  test('starts with the production settings: live, ready, and proxying to legacy', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const child = layout.start({
      DATABASE_URL: db.url,
      LEGACY_URL: legacyUrl,
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
      ADMIN_HOST: '127.0.0.1',
      ADMIN_QA_TOKEN: 'qa-token-for-the-image-test',
      ADMIN_OPERATOR_TOKEN: 'operator-token-for-the-image-test',
    });
    const exited = exitOf(child);
    try {
      const admin = `http://127.0.0.1:${adminPort}`;
      await untilOk(`${admin}/health/live`, exited);
      await untilOk(`${admin}/health/ready`, exited);
      const proxied = await get(`http://127.0.0.1:${port}/api/anything?x=1`);
      expect(proxied).toEqual({ status: 200, body: expect.stringContaining('"servedBy":"upstream"') });
    } finally {
      child.kill('SIGTERM');
      const { code, output } = await exited;
      expect({
        code,
        problems: output.split('\n').filter((l) => /EACCES|EROFS|"level":"error"/.test(l)),
      }).toEqual({
        code: 0,
        problems: [],
      });
    }
  }, 90_000);
});
