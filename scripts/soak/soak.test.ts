import { spawn } from 'node:child_process';

import { describe, expect, test } from '@jest/globals';

import { projectNode, REPO_ROOT } from '../../src/e2e/strangler-process.ts';
import { dotnetForSuite } from '../legacy-aspnet/dotnet-suite.ts';

/*
 * `npm run soak` end to end in a short configuration: the whole stack (the real ASP.NET legacy, strangler
 * as a child process, PostgreSQL on TEST_DATABASE_URL) for 32 s at 10 requests/s, with two slow clients
 * of each kind and the legacy restart half-way. The verdict itself may fail (that is the soak's finding,
 * not a broken soak); the run must complete, report, and leave no process behind.
 */

const hasDotnet = dotnetForSuite('the soak suite');
const describeWithDotnet = hasDotnet ? describe : describe.skip;

function runSoak(): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SOAK_SECONDS: '32',
    SOAK_RATE: '10',
    SOAK_SLOW_CLIENTS: '2',
  };
  delete env.NODE_OPTIONS;
  const child = spawn(projectNode(), ['scripts/soak/main.ts'], { cwd: REPO_ROOT, env, stdio: 'pipe' });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describeWithDotnet('npm run soak (short)', () => {
  test('runs the mixed load through a legacy restart, prints progress, the summary and a verdict, and stops strangler', async () => {
    const { code, output } = await runSoak();
    // 2 is a soak that could not run (startup failed, the deadline passed).
    expect({ code, output }).toEqual({ code: code === 0 ? 0 : 1, output });
    expect(output).toMatch(
      /\[\s+30 s\] rss \d+\.\d MiB \| heap \d+\.\d MiB \| cpu \d+%, loop lag p99 [\d.]+ ms \| p99 /,
    );
    expect(output).toMatch(/legacy restart: stopped at 1\d\.\d s, listening again at \d+\.\d s/);
    for (const cls of [
      'catch-all-read',
      'legacy-read',
      'shadow-read',
      'new-read',
      'new-write',
      'legacy-write',
    ]) {
      expect(output).toMatch(new RegExp(`${cls} +sent [1-9]\\d*, ok [1-9]`));
    }
    expect(output).toMatch(/slow-body clients: \d+ connections/);
    expect(output).toMatch(/^verdict: (PASS|FAIL): memory /m);
    expect(output.includes('verdict: PASS')).toBe(code === 0);
    const pid = Number(/strangler \(pid (\d+)\)/.exec(output)?.[1]);
    expect(alive(pid)).toBe(false);
  }, 240_000);
});
