import { expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { projectNode } from '../e2e/strangler-process.ts';

/* The stop sequence in a real process, signalled as an orchestrator or a person would. */

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testing', 'shutdown-fixture.ts');

interface Run {
  readonly code: number | null;
  readonly output: string;
  readonly exitMs: number;
}

/** Starts the fixture, sends `signals` (the n-th `gapMs` after the one before), resolves on exit. */
function run(env: Record<string, string>, signals: NodeJS.Signals[], gapMs = 50): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(projectNode(), [FIXTURE], {
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let signalledAt = 0;
    const onData = (chunk: Buffer): void => {
      const before = output;
      output += chunk.toString();
      if (before.includes('started') || !output.includes('started')) return;
      signalledAt = performance.now();
      signals.forEach((signal, i) => setTimeout(() => child.kill(signal), i * gapMs));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output, exitMs: performance.now() - signalledAt }));
  });
}

const at = (output: string, event: string): number =>
  Number(new RegExp(`${event} at (\\d+)`).exec(output)?.[1]);

test('SIGTERM: stopping at once, the closers after SHUTDOWN_DELAY_MS, exit 0', async () => {
  const { code, output } = await run({ SHUTDOWN_DELAY_MS: '400', SHUTDOWN_TIMEOUT_MS: '5000' }, ['SIGTERM']);
  expect(code).toBe(0);
  expect(at(output, 'stopping')).toBeLessThan(200);
  expect(at(output, 'closing')).toBeGreaterThanOrEqual(400);
  expect(output).toContain('strangler stopped');
});

test('SIGINT skips the delay', async () => {
  const { code, output } = await run({ SHUTDOWN_DELAY_MS: '5000', SHUTDOWN_TIMEOUT_MS: '5000' }, ['SIGINT']);
  expect(code).toBe(0);
  expect(at(output, 'closing')).toBeLessThan(1000);
});

test('a second signal exits at once with 128 + its number', async () => {
  const { code, exitMs, output } = await run({ SHUTDOWN_DELAY_MS: '5000', SHUTDOWN_TIMEOUT_MS: '5000' }, [
    'SIGTERM',
    'SIGTERM',
  ]);
  expect(code).toBe(143);
  expect(exitMs).toBeLessThan(2000);
  expect(output).not.toContain('strangler stopped');
});

test('a part still stopping at the timeout is cut: exit 0 with a warning naming it', async () => {
  const { code, exitMs, output } = await run(
    { SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '300', CLOSE_MS: '60000' },
    ['SIGTERM'],
  );
  expect(code).toBe(0);
  expect(output).toContain('slow part did not stop within the shutdown timeout');
  expect(exitMs).toBeLessThan(10_000);
});
