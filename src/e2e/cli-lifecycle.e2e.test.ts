import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { access, rm } from 'node:fs/promises';
import path from 'node:path';

import { LOCK_FILE } from '../composition/data-dir-lock.ts';
import { demoWorkDir, startStrangler } from './strangler-process.ts';
import type { StranglerProcess } from './strangler-process.ts';

/*
 * `npm start` as a person uses it in a terminal: a second start on the same data directory is refused
 * in one sentence, and Ctrl-C (SIGINT to the whole foreground process group: npm, node, the embedded
 * PostgreSQL, the legacy app) stops everything in order with one "stopped" line and no stack trace.
 */

const STEP_MS = 180_000;

let workDir: string;
let dataDir: string;
let flagsFile: string;
let running: StranglerProcess | undefined;

beforeAll(async () => {
  ({ workDir, dataDir, flagsFile } = await demoWorkDir('strangler-e2e-cli-'));
});

afterAll(async () => {
  await running?.stop('SIGINT').catch(() => undefined);
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
}, STEP_MS);

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

test(
  'a second start on the same DATA_DIR says one is running; Ctrl-C stops with one line and no stack trace',
  async () => {
    running = await startStrangler({ dataDir, flagsFile, env: { LOG_LEVEL: 'info' }, viaNpm: true });
    const first = running;

    const second = startStrangler({ dataDir, flagsFile, env: { LOG_LEVEL: 'info' } });
    const refusal = await second.then(
      () => 'started',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    // Exactly the one sentence, and exit code 1.
    expect(refusal).toMatch(
      /^strangler exited with 1 before its banner; output:\nstrangler is already running on \S+ \(pid \d+\): stop it first, or give this one another DATA_DIR\.\n$/,
    );

    const before = first.output().length;
    process.kill(-first.pid, 'SIGINT');
    const code = await first.exited;
    const afterCtrlC = first.output().slice(before);
    expect(afterCtrlC).not.toMatch(/"stack"|\n\s+at |"level":"(warn|error)"/);
    expect(afterCtrlC.split('\n').filter((line) => /stopped/.test(line))).toHaveLength(1);
    expect(afterCtrlC).toContain('strangler stopped');
    // npm ends itself with the signal it forwarded; node under it exits 0.
    expect([0, 130, null]).toContain(code);
    expect(await exists(path.join(dataDir, LOCK_FILE))).toBe(false);
    expect(await exists(path.join(dataDir, 'postgres', 'cluster', 'postmaster.pid'))).toBe(false);
  },
  STEP_MS,
);
