import { backoffDelayMs, LOOP_BACKOFF } from './backoff.ts';

/**
 * What one round of a polling loop asks for next: `busy`, go again at once; `idle`, wait the idle poll;
 * `backoff`, wait longer after each round in a row that said so (a database that does not answer).
 */
export type LoopPace = 'busy' | 'idle' | 'backoff';

export interface PollingLoopOptions {
  /** Loops running the round at once. */
  readonly loops: number;
  readonly idlePollMs: number;
  readonly round: () => Promise<LoopPace>;
  /** A round that threw: the loop logs it here, backs off, and keeps going. */
  readonly onError: (error: unknown) => void;
}

export interface PollingLoop {
  start(): void;
  /** Wakes the sleeping loops and resolves when every loop has finished its round. */
  stop(): Promise<void>;
}

/** The relay's and the poller's loop: rounds until stop(), idle polls, backoff on failures. */
export function createPollingLoop(options: PollingLoopOptions): PollingLoop {
  let running = false;
  let loops: Promise<void>[] = [];
  const wakers = new Set<() => void>();

  async function sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      wakers.add(wake);
    });
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (running) {
      let pace: LoopPace;
      try {
        pace = await options.round();
      } catch (error: unknown) {
        options.onError(error);
        pace = 'backoff';
      }
      failures = pace === 'backoff' ? failures + 1 : 0;
      if (pace === 'backoff') await sleep(backoffDelayMs(failures, LOOP_BACKOFF));
      else if (pace === 'idle') await sleep(options.idlePollMs);
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loops = Array.from({ length: Math.max(1, options.loops) }, () => run());
    },
    async stop() {
      running = false;
      for (const wake of [...wakers]) wake();
      await Promise.all(loops);
      loops = [];
    },
  };
}

/** True at most once per `everyMs`; the first time only once `everyMs` has passed since `since`. */
export function dueEvery(everyMs: number, since = 0): () => boolean {
  let last = since;
  return () => {
    if (Date.now() - last < everyMs) return false;
    last = Date.now();
    return true;
  };
}
