import type { Logger } from '../src/observability/logger.ts';
import type { FlagResolver } from './flag-resolver.ts';
import { createOfflineFlagSource } from './offline-flag-source.ts';
import { createOnlineFlagSource, type UnleashSettings } from './online-flag-source.ts';
import { createUnleashFlagResolver } from './unleash-flag-resolver.ts';

export interface CreateFlagResolverOptions {
  /** A Unleash server; undefined evaluates `flagsFile` offline. */
  readonly unleash: UnleashSettings | undefined;
  readonly flagsFile: string;
  readonly backupDir: string;
  readonly logger: Logger;
  /** Unleash poll interval (and the flags file's stat-poll fallback); DEFAULT_REFRESH_INTERVAL_MS. */
  readonly refreshIntervalMs?: number;
}

/**
 * Unleash publishes an admin change to its Client API when its revision poller notices it (every
 * 1 s), so a flip reaches this process within that second plus one poll. Polling every 500 ms keeps
 * the worst case (~1.5 s plus two round trips) inside the 2 s the README promises for a flip; with
 * ETags an unchanged poll is a 304, cheap for the server. Unleash Edge next to the replicas takes this
 * load off in production.
 */
export const DEFAULT_REFRESH_INTERVAL_MS = 500;

/** The flag resolver for main.ts: Unleash when configured, else flags.json; same evaluation either way. */
export async function createFlagResolver(options: CreateFlagResolverOptions): Promise<FlagResolver> {
  const refreshIntervalMs = options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
  const source =
    options.unleash === undefined
      ? await createOfflineFlagSource({
          flagsFile: options.flagsFile,
          logger: options.logger,
          pollIntervalMs: refreshIntervalMs,
        })
      : await createOnlineFlagSource({
          unleash: options.unleash,
          backupDir: options.backupDir,
          logger: options.logger,
          refreshIntervalMs,
        });
  return createUnleashFlagResolver(source, options.logger);
}
