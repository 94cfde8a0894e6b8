import { constants } from 'node:os';

import type { ShutdownSettings } from '../config/shutdown-settings.ts';
import { errorDetails } from '../observability/logger.ts';
import type { Logger } from '../observability/logger.ts';

/** A part to stop; `deadline` (Date.now() time) is when the shutdown timeout cuts what is left. */
export type Closer = readonly [name: string, close: (deadline: number) => Promise<void>];

export interface Lifecycle {
  /** True from the first stop signal on: readiness answers 503. */
  stopping(): boolean;
  /** Runs at the first stop signal, before SHUTDOWN_DELAY_MS: the public port starts closing connections. */
  onStopping(hook: () => void): void;
  shutdown(code: number): Promise<void>;
  startupFinished(): Promise<void>;
}

/** Time the closers after the public port (pools, the sync's batch) still get past the timeout. */
const CLOSE_MARGIN_MS = 2000;

/**
 * SIGTERM (an orchestrator) stops in three steps: readiness turns 503 at once; after SHUTDOWN_DELAY_MS,
 * when the load balancer has noticed, the closers run, last started first, so the public port stops
 * accepting before anything it uses goes; what has not finished SHUTDOWN_TIMEOUT_MS later is cut.
 * SIGINT (a person's Ctrl-C) skips the delay: no load balancer is waiting on a terminal.
 * A second signal exits at once.
 */
export function installShutdown(
  closers: Closer[],
  logger: Logger,
  settings: ShutdownSettings & { readonly stoppedMessage?: string },
): Lifecycle {
  let stopping = false;
  const hooks: (() => void)[] = [];
  // A signal while starting cannot stop what is still being started (the demo environment registers its
  // closer only once it is up): exiting then killed the embedded PostgreSQL mid-initdb and left a DATA_DIR
  // that never started again. So the stop waits for startup to finish; a second signal still exits now.
  let starting = true;
  let requested: NodeJS.Signals | undefined;

  const shutdown = async (code: number, delayMs = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    for (const hook of hooks) hook();
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const deadline = Date.now() + settings.timeoutMs;
    let current = '';
    setTimeout(() => {
      logger.warn(`${current} did not stop within the shutdown timeout; exiting`, {
        timeoutMs: settings.timeoutMs,
      });
      process.exit(code);
    }, settings.timeoutMs + CLOSE_MARGIN_MS);
    for (const [name, close] of [...closers].reverse()) {
      current = name;
      try {
        await close(deadline);
      } catch (error: unknown) {
        logger.warn(`${name} did not stop cleanly`, { error: errorDetails(error) });
      }
    }
    logger.info(settings.stoppedMessage ?? 'strangler stopped');
    process.exit(code);
  };
  const delayFor = (signal: NodeJS.Signals): number => (signal === 'SIGTERM' ? settings.delayMs : 0);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // A second signal means now.
      if (stopping || requested !== undefined) process.exit(128 + constants.signals[signal]);
      if (starting) {
        requested = signal;
        logger.info(`${signal} received while starting; stopping once startup completes (again to exit now)`);
        return;
      }
      logger.info(`${signal} received, stopping`, {
        delayMs: delayFor(signal),
        timeoutMs: settings.timeoutMs,
      });
      void shutdown(0, delayFor(signal));
    });
  }
  return {
    stopping: () => stopping,
    onStopping: (hook) => hooks.push(hook),
    shutdown: (code) => shutdown(code),
    startupFinished: async () => {
      starting = false;
      if (requested !== undefined) await shutdown(0, delayFor(requested));
    },
  };
}
