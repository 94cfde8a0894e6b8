import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';

import { processRunning } from '../composition/data-dir-lock.ts';
import { demoWorkDir, startStrangler } from './strangler-process.ts';
import type { StranglerProcess } from './strangler-process.ts';

/*
 * `kill -9` of `npm start` stops strangler without stopping anything it started. The embedded PostgreSQL
 * runs in a process group of its own, so it outlives the kill, and its postmaster.pid used to make the
 * next start on the same DATA_DIR fail. The next start must recover and serve.
 */

const STEP_MS = 180_000;

let workDir: string;
let dataDir: string;
let flagsFile: string;
let running: StranglerProcess | undefined;

beforeAll(async () => {
  ({ workDir, dataDir, flagsFile } = await demoWorkDir('strangler-e2e-killed-'));
});

afterAll(async () => {
  await running?.stop('SIGINT').catch(() => undefined);
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
}, STEP_MS);

test(
  'after kill -9 of a running start, the next start on the same DATA_DIR recovers its PostgreSQL and serves',
  async () => {
    const env = { LOG_LEVEL: 'info', LEGACY_STAND_IN: 'node' };
    const killed = await startStrangler({ dataDir, flagsFile, env });
    running = killed;
    const pidFile = path.join(dataDir, 'postgres', 'cluster', 'postmaster.pid');
    const postmaster = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(processRunning(postmaster)).toBe(true);

    running = await startStrangler({ dataDir, flagsFile, env });
    expect(running.output()).not.toContain('demo data seeded');
    expect(processRunning(postmaster)).toBe(false);
    const ready = await fetch(new URL('/health/ready', running.adminUrl));
    expect(ready.status).toBe(200);
    expect(await running.stop('SIGINT')).toBe(0);
  },
  STEP_MS,
);
