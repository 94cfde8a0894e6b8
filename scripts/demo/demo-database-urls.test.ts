import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

import { openLegacyDatabase, openNewDatabase } from '../../adapters/database.ts';
import { migrateSyncToLatest } from '../../src/sync/sync-migrations.ts';
import { REPO_ROOT } from '../../src/e2e/strangler-process.ts';
import { startDemoDatabases } from './demo-databases.ts';
import type { DemoDatabases } from './demo-databases.ts';
import { seedDemoData } from './seed.ts';

/*
 * The operator scripts on the demo without a hand-made URL: with DATABASE_URL / LEGACY_DATABASE_URL
 * unset they use the embedded PostgreSQL the demo runs from DATA_DIR, say so in one line, show their
 * progress, and say in one sentence when that PostgreSQL is not running.
 */

async function runScript(
  script: string,
  args: readonly string[],
  dataDir: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, DATA_DIR: dataDir },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error: unknown) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("operator scripts on the demo's databases", () => {
  let workDir: string;
  let dataDir: string;
  let databases: DemoDatabases | undefined;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'strangler-scripts-'));
    // As root the embedded PostgreSQL runs as `postgres`, which must traverse DATA_DIR's parents.
    await chmod(workDir, 0o755);
    dataDir = path.join(workDir, 'data');
    databases = await startDemoDatabases({ dataDir: path.join(dataDir, 'postgres') });
  }, 120_000);
  afterAll(async () => {
    await databases?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('migrate, then reconcile, find the running demo from DATA_DIR, say so, and show progress', async () => {
    const migrated = await runScript('scripts/migrate.ts', ['new', 'up'], dataDir);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(
      /^DATABASE_URL not set: using the demo's database strangler on 127\.0\.0\.1:\d+ \(\S+\/data\/postgres\)\n/,
    );
    expect((await runScript('scripts/migrate.ts', ['legacy', 'up'], dataDir)).code).toBe(0);

    const newDb = openNewDatabase(databases?.newUrl ?? '', { poolMax: 2 });
    const legacyDb = openLegacyDatabase(databases?.legacyUrl ?? '', { poolMax: 2 });
    try {
      await migrateSyncToLatest(newDb as unknown as Kysely<unknown>);
      await seedDemoData({ legacyDb, newDb });
      // The estimate comes from the table statistics, as on a production table autovacuum has analysed.
      await Promise.all([sql`ANALYZE`.execute(newDb), sql`ANALYZE`.execute(legacyDb)]);
    } finally {
      await Promise.all([newDb.destroy(), legacyDb.destroy()]);
    }

    const reconciled = await runScript(
      'scripts/reconcile.ts',
      ['--entity', 'athletes', '--lag-window-ms', '0'],
      dataDir,
    );
    expect(reconciled.code).toBe(0);
    const lines = reconciled.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        /^DATABASE_URL not set: using the demo's database strangler on 127\.0\.0\.1:\d+ /,
      ),
      expect.stringMatching(
        /^LEGACY_DATABASE_URL not set: using the demo's database strangler_legacy on 127\.0\.0\.1:\d+ /,
      ),
      // Not on a terminal: plain lines, the last one when the scan is done.
      expect.stringMatching(/^reconcile athletes \(both sides\): 400 of ~400 rows \(100%\), [\d,]+ rows\/s$/),
    ]);
    expect(reconciled.stdout).toMatch(
      /^athletes +run \d+: legacy 200 rows, new 200 rows, 0 differing buckets/,
    );
  }, 120_000);

  it('says in one sentence that the demo is not running when its PostgreSQL is stopped', async () => {
    await databases?.stop();
    databases = undefined;
    const refused = await runScript('scripts/backfill.ts', [], dataDir);
    expect(refused.code).toBe(2);
    const postgresDir = path.join(dataDir, 'postgres');
    expect(refused.stderr).toContain(
      `DATABASE_URL is not set and the demo's embedded PostgreSQL in ${postgresDir} is not running (start it with npm start)\n`,
    );
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
