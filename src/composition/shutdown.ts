import { errorDetails } from '../observability/logger.ts';
import type { Logger } from '../observability/logger.ts';

export type Closer = readonly [name: string, close: () => Promise<void>];

export function installShutdown(
  closers: Closer[],
  logger: Logger,
): { shutdown: (code: number) => Promise<void>; startupFinished: () => Promise<void> } {
  let stopping = false;
  // A signal while starting cannot stop what is still being started (the demo environment registers its
  // closer only once it is up): exiting then killed the embedded PostgreSQL mid-initdb and left a DATA_DIR
  // that never started again. So the stop waits for startup to finish; a second signal still exits now.
  let starting = true;
  let stopRequested = false;
  const shutdown = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // Last started, first stopped: the public port stops taking traffic before anything it uses goes.
    for (const [name, close] of [...closers].reverse()) {
      try {
        await close();
      } catch (error: unknown) {
        logger.warn(`${name} did not stop cleanly`, { error: errorDetails(error) });
      }
    }
    logger.info('strangler stopped');
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping || stopRequested) {
        // A second Ctrl-C means now.
        process.exit(130);
      }
      if (starting) {
        stopRequested = true;
        logger.info(`${signal} received while starting; stopping once startup completes (again to exit now)`);
        return;
      }
      logger.info(`${signal} received, stopping`);
      void shutdown(0);
    });
  }
  const startupFinished = async (): Promise<void> => {
    starting = false;
    if (stopRequested) await shutdown(0);
  };
  return { shutdown, startupFinished };
}
