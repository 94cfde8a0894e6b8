import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** A local port with nothing listening on it: fetches fail with ECONNREFUSED. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('online flag source shutdown', () => {
  it('does not crash the process when stopped while a failing fetch is still in flight', async () => {
    // In a child process: an uncaught exception there is the failure this protects against, and jest
    // would swallow or misattribute it in its own process.
    const source = fileURLToPath(new URL('./online-flag-source.ts', import.meta.url));
    const logger = fileURLToPath(new URL('../src/observability/logger.ts', import.meta.url));
    const script = `
      const { createOnlineFlagSource } = await import(${JSON.stringify(source)});
      const { createSilentLogger } = await import(${JSON.stringify(logger)});
      const { mkdtemp, rm } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      const backupDir = await mkdtemp(tmpdir() + '/strangler-inflight-');
      const flags = await createOnlineFlagSource({
        unleash: { url: 'http://127.0.0.1:${await closedPort()}/api/', apiToken: 'x', appName: 'inflight' },
        backupDir, logger: createSilentLogger(), refreshIntervalMs: 500, startupWaitMs: 10000,
      });
      // The first fetch has failed (after the SDK's retries); the next one starts ~1 s later.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await flags.stop();
      // Long enough for the in-flight fetch to exhaust its retries and fail.
      await new Promise((resolve) => setTimeout(resolve, 4000));
      await rm(backupDir, { recursive: true, force: true });
      process.stdout.write('survived');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '--no-warnings', '-e', script], {
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, output }).toEqual({ code: 0, output: 'survived' });
  }, 25_000);
});
