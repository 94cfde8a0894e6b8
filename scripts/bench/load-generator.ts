import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { otherCpus, pinTo } from './cpu-pinning.ts';

/** The argument the generator's own process is started with. */
const LOAD_CHILD = '--load-child';

/**
 * Open-loop load at a fixed rate from a child process (its own event loop): requests go out on schedule
 * whether or not earlier ones have answered (64 connections per target), so queueing in the proxy shows
 * up instead of being hidden. Latency counts from when a request was handed to the client, because
 * Node's timers fire up to a few ms late and that lateness is the generator's, not the proxy's
 * (counting from the due time put the generator's jitter into both modes' p99). Every segment gets the
 * same rate. The child lives for the whole run and keeps its connections, so no segment pays for a
 * cold generator (a fresh process's first requests run unoptimised code).
 */
interface LoadCommand {
  readonly url: string;
  readonly rate: number;
  readonly duration: number;
}

function loadChild(): void {
  const pools = new Map<string, import('undici').Pool>();
  process.on('message', (command: LoadCommand) => {
    void segment(command).then((result) => process.send?.(result));
  });
  process.on('disconnect', () => process.exit(0));
  async function segment({ url, rate, duration }: LoadCommand): Promise<LoadResult> {
    const { Pool } = await import('undici');
    const target = new URL(url);
    let pool = pools.get(target.origin);
    if (pool === undefined) {
      pool = new Pool(target.origin, { connections: 64, pipelining: 1 });
      pools.set(target.origin, pool);
    }
    const client = pool;
    const latencies: number[] = [];
    let errors = 0;
    const start = performance.now();
    const total = Math.round(rate * duration);
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const sent = performance.now();
      inFlight.push(
        client
          .request({ path: target.pathname, method: 'GET' })
          .then(async (response) => {
            await response.body.dump();
            if (response.statusCode !== 200) errors += 1;
            latencies.push(performance.now() - sent);
          })
          .catch(() => {
            errors += 1;
          }),
      );
    }
    await Promise.all(inFlight);
    return { latencies, errors, elapsed: (performance.now() - start) / 1000 };
  }
}

export interface LoadResult {
  readonly latencies: number[];
  readonly errors: number;
  readonly elapsed: number;
}

export interface LoadGenerator {
  run(url: string, rate: number, duration: number): Promise<LoadResult>;
  close(): void;
}

export function startLoadGenerator(): LoadGenerator {
  const child = fork(fileURLToPath(import.meta.url), [LOAD_CHILD], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  pinTo(child.pid, otherCpus);
  return {
    run: (url, rate, duration) =>
      new Promise((resolve, reject) => {
        child.once('error', reject);
        child.once('message', (m) => {
          child.off('error', reject);
          resolve(m as LoadResult);
        });
        child.send({ url, rate, duration } satisfies LoadCommand);
      }),
    close: () => child.kill(),
  };
}

// Run as the generator's process: serve the parent's commands.
if (process.argv.includes(LOAD_CHILD)) loadChild();
