import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { access, rm } from 'node:fs/promises';
import path from 'node:path';

import { DEMO_ORGANISATIONS } from '../../scripts/demo/demo-organisations.ts';
import { demoWorkDir, startStrangler } from './strangler-process.ts';
import type { StranglerProcess } from './strangler-process.ts';

/*
 * A stop signal while `npm start` is still initialising the demo (initdb, migrations, seed) used to exit
 * at once: nothing started so far was stopped, and an initdb cut short left a DATA_DIR that failed every
 * later start. The process must finish starting, stop cleanly with exit code 0, and the same DATA_DIR
 * must start again.
 */

const STEP_MS = 120_000;

let workDir: string;
let dataDir: string;
let flagsFile: string;
let running: StranglerProcess | undefined;

beforeAll(async () => {
  ({ workDir, dataDir, flagsFile } = await demoWorkDir('strangler-e2e-interrupt-'));
});

afterAll(async () => {
  await running?.stop('SIGINT').catch(() => undefined);
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
}, STEP_MS);

test(
  'SIGTERM during the cold start stops cleanly once started, and the DATA_DIR starts again',
  async () => {
    // The cluster directory appears when initdb begins: the earliest moment something needs stopping.
    const clusterDir = path.join(dataDir, 'postgres', 'cluster');
    let signalled = false;
    const interrupted = await startStrangler({
      dataDir,
      flagsFile,
      env: { LOG_LEVEL: 'info' },
      onSpawn: (child) => void signalWhenExists(child, clusterDir, () => (signalled = true)),
    });
    running = interrupted;
    expect(await interrupted.exited).toBe(0);
    expect(signalled).toBe(true);
    expect(interrupted.output()).toContain('SIGTERM received while starting');
    expect(interrupted.output()).toContain('strangler stopped');

    running = await startStrangler({ dataDir, flagsFile, env: { LOG_LEVEL: 'info' } });
    expect(running.output()).not.toContain('demo data seeded');
    const ready = await fetch(new URL('/health/ready', running.adminUrl));
    expect(ready.status).toBe(200);
    const caller = await running.token({ organisationId: DEMO_ORGANISATIONS[0]!.id });
    const athletes = await fetch(new URL('/api/athletes?pageSize=1', running.publicUrl), {
      headers: { authorization: `Bearer ${caller}` },
    });
    expect(athletes.status).toBe(200);
    expect(athletes.headers.get('x-total-count')).not.toBeNull();
    await athletes.arrayBuffer();
    expect(await running.stop('SIGINT')).toBe(0);
  },
  STEP_MS,
);

async function signalWhenExists(child: ChildProcess, file: string, onSignal: () => void): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (child.exitCode === null && performance.now() < deadline) {
    try {
      await access(file);
      child.kill('SIGTERM');
      onSignal();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
