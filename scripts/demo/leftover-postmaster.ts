import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';

import { processRunning } from '../../src/composition/data-dir-lock.ts';

/*
 * The embedded PostgreSQL runs in a process group of its own (postgres-server.ts), so a `kill -9` of
 * `npm start` leaves it running, and its postmaster.pid makes the next start's server refuse the cluster.
 * The caller holds the DATA_DIR lock, so no live strangler owns the cluster: a postmaster still serving
 * it is such a leftover and is shut down (fast, then immediate), and a pid file naming a process that is
 * not this cluster's postmaster (its pid reused after a reboot or in a container) is removed.
 */

const STOP_WAIT_MS = 30_000;

export type LeftoverOutcome = 'none' | 'stopped' | 'stale-pid-file';

export async function clearLeftoverPostmaster(
  clusterDir: string,
  log: (line: string) => void = () => {},
): Promise<LeftoverOutcome> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  const text = await readFile(pidFile, 'utf8').catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return 'none';
  const pid = Number(text.split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && (await servesCluster(pid, clusterDir))) {
    log(`stopping PostgreSQL (pid ${pid}) left running on ${clusterDir} by an earlier start that was killed`);
    await stop(pid);
    return 'stopped';
  }
  // PostgreSQL itself skips a pid file whose process is gone, but not one whose pid now names another process.
  await rm(pidFile, { force: true });
  return 'stale-pid-file';
}

/** Whether pid is a postgres server started with `-D clusterDir` (Linux's /proc; elsewhere, any live pid). */
async function servesCluster(pid: number, clusterDir: string): Promise<boolean> {
  if (!processRunning(pid)) return false;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (cmdline === undefined) return true;
  const args = cmdline.split('\0');
  const dataDir = args[args.indexOf('-D') + 1];
  return (
    path.basename(args[0] ?? '') === 'postgres' &&
    dataDir !== undefined &&
    path.resolve(dataDir) === clusterDir
  );
}

async function stop(pid: number): Promise<void> {
  // SIGINT: fast shutdown (the cluster is left consistent); SIGQUIT if it does not go in time.
  for (const signal of ['SIGINT', 'SIGQUIT'] as const) {
    try {
      process.kill(pid, signal);
    } catch (error: unknown) {
      if ((error as { code?: unknown }).code === 'ESRCH') return;
      throw error;
    }
    const deadline = Date.now() + STOP_WAIT_MS;
    while (processRunning(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (!processRunning(pid)) return;
  }
  throw new Error(`PostgreSQL (pid ${pid}) left running on the cluster did not stop`);
}
