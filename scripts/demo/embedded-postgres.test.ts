import { afterAll, describe, expect, it } from '@jest/globals';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

import { processRunning } from '../../src/composition/data-dir-lock.ts';
import { startTestPostgres } from '../../src/testing/embedded-test-postgres.ts';
import {
  assertTraversableByOthers,
  EmbeddedPostgresError,
  startEmbeddedPostgres,
} from './embedded-postgres.ts';
import type { RunningPostgres } from './embedded-postgres.ts';

async function query(url: string, text: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe('startEmbeddedPostgres', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('initialises a cluster, serves queries, and keeps the data across a stop and a restart on the same dir', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'strangler-embedded-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));

    let server: RunningPostgres = await startEmbeddedPostgres({ dataDir });
    cleanup.push(() => server.stop());
    expect(server.initialised).toBe(true);
    expect(server.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
    await query(server.url, 'CREATE TABLE kept (value text)');
    await query(server.url, "INSERT INTO kept VALUES ('survives a restart')");
    await server.stop();
    await expect(query(server.url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);

    server = await startEmbeddedPostgres({ dataDir });
    expect(server.initialised).toBe(false);
    expect(await query(server.url, 'SELECT value FROM kept')).toEqual([{ value: 'survives a restart' }]);
    await server.stop();
  });

  it('starts on a cluster a killed start left its PostgreSQL running on, or left a pid file naming another process', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'strangler-embedded-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = await startEmbeddedPostgres({ dataDir });
    cleanup.push(() => first.stop());
    await query(first.url, 'CREATE TABLE kept (value text)');
    const pidFile = path.join(dataDir, 'cluster', 'postmaster.pid');
    const leftover = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);

    // The process that started it is gone without stopping it (kill -9): its server still runs.
    const second = await startEmbeddedPostgres({ dataDir });
    cleanup.push(() => second.stop());
    expect(await query(second.url, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 0 }]);
    expect(processRunning(leftover)).toBe(false);
    await second.stop();

    // A pid file whose pid now names another live process (this one).
    await writeFile(pidFile, `${process.pid}\n${path.join(dataDir, 'cluster')}\n`);
    const third = await startEmbeddedPostgres({ dataDir });
    cleanup.push(() => third.stop());
    expect(await query(third.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await third.stop();
  });

  it('starts over, keeping the leftovers aside, when an earlier first start died during initdb', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'strangler-embedded-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    // What a SIGKILL during initdb leaves: a cluster directory with PG_VERSION and no credentials.json.
    await mkdir(path.join(dataDir, 'cluster'), { recursive: true });
    await writeFile(path.join(dataDir, 'cluster', 'PG_VERSION'), '18\n');

    const server = await startEmbeddedPostgres({ dataDir });
    cleanup.push(() => server.stop());
    expect(server.initialised).toBe(true);
    expect(await query(server.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    const entries = await readdir(dataDir);
    expect(entries.filter((name) => name.startsWith('cluster.incomplete-'))).toHaveLength(1);
    await server.stop();
  });

  it('refuses connections without the generated password', async () => {
    const server = await startTestPostgres();
    cleanup.push(() => server.stop());
    const withoutPassword = new URL(server.url);
    withoutPassword.password = 'wrong';
    await expect(query(withoutPassword.toString(), 'SELECT 1')).rejects.toThrow(
      /password authentication failed/,
    );
    expect(await query(server.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('startTestPostgres removes its temporary cluster when stopped', async () => {
    const server = await startTestPostgres();
    expect((await stat(path.join(server.dataDir, 'cluster', 'PG_VERSION'))).isFile()).toBe(true);
    await server.stop();
    await expect(stat(server.dataDir)).rejects.toThrow(/ENOENT/);
  });

  it('explains, instead of failing in initdb, when a parent directory hides the data dir from the postgres user', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'strangler-private-'));
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    await mkdir(path.join(root, 'home'), { mode: 0o700 });
    await chmod(path.join(root, 'home'), 0o700);
    const error = await assertTraversableByOthers(path.join(root, 'home', 'project', 'data')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EmbeddedPostgresError);
    expect((error as Error).message).toContain(`chmod o+x ${path.join(root, 'home')}`);
    await chmod(root, 0o755);
    await chmod(path.join(root, 'home'), 0o711);
    await expect(assertTraversableByOthers(path.join(root, 'home', 'data'))).resolves.toBeUndefined();
  });
});
