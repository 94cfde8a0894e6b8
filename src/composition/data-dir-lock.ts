import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';

/*
 * One strangler per data directory: a second start on the same DATA_DIR would fight the first over its
 * embedded PostgreSQL cluster and its ports. The lock is a file holding the owner's pid, created
 * exclusively; a lock whose pid no longer runs (a process killed with SIGKILL, a machine restarted) is
 * stale and taken over.
 */

export const LOCK_FILE = 'strangler.pid';

export class AlreadyRunningError extends Error {
  readonly pid: number;
  constructor(dataDir: string, pid: number) {
    super(
      `strangler is already running on ${dataDir} (pid ${pid}): stop it first, or give this one another DATA_DIR.`,
    );
    this.name = 'AlreadyRunningError';
    this.pid = pid;
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

/** Whether a process with this pid runs (as any user). */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    // EPERM: the pid runs, as another user.
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

async function lockHolder(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'ENOENT') return '';
    throw error;
  });
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Takes `<dataDir>/strangler.pid` for `pid`, or throws AlreadyRunningError naming the running owner. */
export async function lockDataDir(dataDir: string, pid: number = process.pid): Promise<DataDirLock> {
  const dir = path.resolve(dataDir);
  const file = path.join(dir, LOCK_FILE);
  await mkdir(dir, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${pid}\n`);
      await handle.close();
      return { release: () => releaseLock(file, pid) };
    } catch (error: unknown) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
    }
    const holder = await lockHolder(file);
    if (holder !== undefined && holder !== pid && processRunning(holder))
      throw new AlreadyRunningError(dir, holder);
    // Stale (or unreadable): removed, then taken on the next attempt unless a concurrent start took it.
    await unlink(file).catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    });
  }
  throw new Error(`could not take the lock ${file}: another start took it at the same moment`);
}

/** Removes the lock file if it is still ours. */
async function releaseLock(file: string, pid: number): Promise<void> {
  if ((await lockHolder(file)) !== pid) return;
  await unlink(file).catch((error: unknown) => {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
  });
}
