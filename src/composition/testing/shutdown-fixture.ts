/*
 * A process that installs the shutdown as main.ts does, with one closer that takes CLOSE_MS, and prints
 * what happens with its time since the signal: for src/composition/shutdown.test.ts.
 */
import { createLogger } from '../../observability/logger.ts';
import { installShutdown } from '../shutdown.ts';

const closeMs = Number(process.env.CLOSE_MS ?? '0');
let signalledAt = 0;
const since = (): number => Math.round(performance.now() - signalledAt);
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.prependListener(signal, () => {
    if (signalledAt === 0) signalledAt = performance.now();
  });
const lifecycle = installShutdown(
  [
    [
      'slow part',
      async () => {
        console.log(`closing at ${since()}`);
        await new Promise((resolve) => setTimeout(resolve, closeMs));
      },
    ],
  ],
  createLogger('info'),
  { delayMs: Number(process.env.SHUTDOWN_DELAY_MS), timeoutMs: Number(process.env.SHUTDOWN_TIMEOUT_MS) },
);
lifecycle.onStopping(() => console.log(`stopping at ${since()}`));
await lifecycle.startupFinished();
console.log('started');
setInterval(() => undefined, 1000);
