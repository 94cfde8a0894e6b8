import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import { AlreadyRunningError, LOCK_FILE, lockDataDir } from './data-dir-lock.ts';

describe('one strangler per data directory', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'strangler-lock-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a second owner while the first runs, in one sentence naming its pid', async () => {
    const first = await lockDataDir(dataDir);
    expect(await readFile(path.join(dataDir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);

    const second = lockDataDir(dataDir, process.pid + 1);
    await expect(second).rejects.toThrow(AlreadyRunningError);
    await expect(second).rejects.toThrow(
      `strangler is already running on ${dataDir} (pid ${process.pid}): stop it first, or give this one another DATA_DIR.`,
    );

    await first.release();
    const again = await lockDataDir(dataDir, process.pid + 1);
    await again.release();
  });

  it('takes over a lock whose process is gone (killed without cleaning up)', async () => {
    // The pid of a process that has exited.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    await writeFile(path.join(dataDir, LOCK_FILE), `${gone.stdout}\n`);

    const lock = await lockDataDir(dataDir);
    expect(await readFile(path.join(dataDir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    await lock.release();
    await expect(readFile(path.join(dataDir, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
