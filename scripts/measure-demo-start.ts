/**
 * How long `npm start` takes to become usable on the demo path, and how much memory the proxy holds:
 * a cold start (fresh DATA_DIR: initdb, migrations, seed) and a warm one (same
 * DATA_DIR), each timed from spawn to the startup banner and to GET /health/ready = 200, with the proxy
 * process's RSS after startup and after a bounded burst of traffic through the public port.
 *
 *   npm run bench:demo-start -- [--requests 2000] [--concurrency 16]
 *
 * RSS is the node process's own (Linux /proc); the embedded PostgreSQL runs in its own processes.
 */
import { readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';

import { demoWorkDir, startStrangler } from '../src/e2e/strangler-process.ts';
import type { StranglerProcess } from '../src/e2e/strangler-process.ts';

interface StartFigures {
  readonly label: string;
  readonly bannerMs: number;
  readonly readyMs: number;
  readonly rssAfterStartMiB: number;
  readonly rssAfterBurstMiB: number;
  readonly burst: { requests: number; failures: number; seconds: number };
  readonly stopMs: number;
}

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
  },
});
const requests = positiveInt(values.requests, 'requests');
const concurrency = positiveInt(values.concurrency, 'concurrency');

const { workDir, dataDir, flagsFile } = await demoWorkDir('strangler-measure-');

try {
  const cold = await measure('cold (fresh DATA_DIR)');
  const warm = await measure('warm (same DATA_DIR)');
  print([cold, warm]);
} finally {
  await rm(workDir, { recursive: true, force: true });
}

async function measure(label: string): Promise<StartFigures> {
  const spawnedAt = performance.now();
  const running = await startStrangler({ dataDir, flagsFile, env: { LOG_LEVEL: 'warn' } });
  try {
    await waitReady(running);
    const readyMs = performance.now() - spawnedAt;
    const rssAfterStartMiB = await rssMiB(running.pid);
    const burst = await trafficBurst(running);
    const rssAfterBurstMiB = await rssMiB(running.pid);
    const stopStarted = performance.now();
    const code = await running.stop('SIGINT');
    if (code !== 0) throw new Error(`${label}: exit code ${code} after SIGINT`);
    return {
      label,
      bannerMs: running.bannerMs,
      readyMs,
      rssAfterStartMiB,
      rssAfterBurstMiB,
      burst,
      stopMs: performance.now() - stopStarted,
    };
  } catch (error: unknown) {
    await running.stop('SIGKILL').catch(() => undefined);
    throw error;
  }
}

async function waitReady(running: StranglerProcess): Promise<void> {
  const url = new URL('/health/ready', running.adminUrl);
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch (error: unknown) {
      // Not listening yet would be a bug (the banner comes after listen), but keep polling until the deadline.
      if (!(error instanceof TypeError)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`/health/ready not 200 within 60 s; output:\n${running.output()}`);
}

/** `requests` GETs over the public port (legacy pass-through with the shipped flags), `concurrency` at a time. */
async function trafficBurst(running: StranglerProcess): Promise<StartFigures['burst']> {
  const list = await fetch(new URL('/api/athletes?pageSize=50', running.publicUrl));
  const athletes = (await list.json()) as { AthleteId: string }[];
  const paths = [
    '/api/squads',
    '/api/athletes?page=2&pageSize=20',
    ...athletes.map((a) => `/api/athletes/${a.AthleteId}`),
  ];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < requests) {
      const target = paths[next % paths.length]!;
      next += 1;
      const res = await fetch(new URL(target, running.publicUrl));
      await res.arrayBuffer();
      if (res.status !== 200) failures += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { requests, failures, seconds: (performance.now() - started) / 1000 };
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kib) / 1024;
}

function print(results: readonly StartFigures[]): void {
  console.log(
    `npm start demo path — node ${process.versions.node}, ${availableParallelism()} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.table(
    results.map((r) => ({
      start: r.label,
      'spawn→banner s': (r.bannerMs / 1000).toFixed(1),
      'spawn→ready s': (r.readyMs / 1000).toFixed(1),
      'RSS after start MiB': r.rssAfterStartMiB.toFixed(0),
      [`RSS after ${r.burst.requests} req MiB`]: r.rssAfterBurstMiB.toFixed(0),
      'burst req/s': (r.burst.requests / r.burst.seconds).toFixed(0),
      'burst failures': r.burst.failures,
      'SIGINT→exit s': (r.stopMs / 1000).toFixed(1),
    })),
  );
}

function positiveInt(raw: string, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got "${raw}")`);
  return n;
}
