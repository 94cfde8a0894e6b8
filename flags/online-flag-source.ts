import { EventEmitter } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { Unleash } from 'unleash-client';
import type { Logger } from '../src/observability/logger.ts';
import type { FlagEvaluator, FlagSource } from './flag-source.ts';
import { forwardUnleashEvents } from './unleash-events.ts';

/** A real Unleash server: its API URL, a backend token (the whole Authorization value) and our name. */
export interface UnleashSettings {
  readonly url: string;
  readonly apiToken: string;
  readonly appName: string;
}

export interface OnlineFlagSourceOptions {
  readonly unleash: UnleashSettings;
  readonly backupDir: string;
  readonly logger: Logger;
  readonly refreshIntervalMs: number;
  /** How long startup waits for the first fetch before going on with the backup (or all legacy). */
  readonly startupWaitMs?: number;
}

/**
 * A Unleash server polled by unleash-client. Every fetched set of flags is written to `backupDir`
 * (the SDK's file storage), so a restart during an Unleash outage starts with the last known flags;
 * while the server is unreachable the SDK keeps evaluating what it last had. Fetch failures are
 * logged at warn, once per distinct problem until a fetch succeeds again.
 */
export async function createOnlineFlagSource(options: OnlineFlagSourceOptions): Promise<FlagSource> {
  const { logger } = options;
  const { url, apiToken, appName } = options.unleash;
  await mkdir(options.backupDir, { recursive: true });
  const unleash = new Unleash({
    url,
    appName,
    // Unleash expects the whole API token as the header value, no "Bearer".
    customHeaders: { Authorization: apiToken },
    refreshInterval: options.refreshIntervalMs,
    timeout: Math.max(options.refreshIntervalMs, 2000),
    backupPath: options.backupDir,
    disableAutoStart: true,
    skipInstanceCountWarning: true,
  });
  let ready = false;
  const problems = forwardUnleashEvents(unleash, logger, { unleashUrl: url });
  unleash.on('ready', () => {
    ready = true;
  });
  const fetched = (): void => {
    if (problems.problemsSinceReset() > 0)
      logger.info('flags fetched from Unleash again', { unleashUrl: url });
    problems.reset();
  };
  unleash.on('changed', fetched);
  unleash.on('unchanged', fetched);

  let startupTimer: NodeJS.Timeout | undefined;
  const firstLoad = async (): Promise<void> => {
    // start() settles once the first fetch (with the SDK's retries) and the backup read are done; its
    // `ready` event follows on process.nextTick, so let those ticks run before looking at `ready`.
    await unleash.start().catch(() => undefined);
    await new Promise((resolveTicks) => setImmediate(resolveTicks));
  };
  await Promise.race([
    firstLoad(),
    new Promise<void>((resolveWait) => {
      startupTimer = setTimeout(resolveWait, options.startupWaitMs ?? 5000);
    }),
  ]);
  clearTimeout(startupTimer);
  if (!ready) {
    logger.warn('no flags from Unleash or its backup yet; every route is legacy until they arrive', {
      unleashUrl: url,
      backupDir: options.backupDir,
    });
  }

  return {
    current: (): FlagEvaluator => unleash,
    isReady: () => ready,
    async stop() {
      unleash.destroy();
      // destroy() removes the repository's listeners but cannot cancel a fetch in flight (the SDK
      // retries for seconds); when that fetch fails the repository emits `error` with no listener,
      // which Node turns into an uncaught exception (the same failure as Unleash/unleash-node-sdk#310,
      // after destroy). The repository is not public, hence the probe.
      const repository: unknown = Reflect.get(unleash, 'repository');
      if (repository instanceof EventEmitter) repository.on('error', () => undefined);
    },
  };
}
