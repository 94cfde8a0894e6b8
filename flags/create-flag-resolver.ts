import type { Config } from '../src/config.ts';
import type { Logger } from '../src/observability/logger.ts';
import type { FlagResolver } from './flag-resolver.ts';
import { createOfflineFlagSource } from './offline-flag-source.ts';
import { createOnlineFlagSource } from './online-flag-source.ts';
import { createUnleashFlagResolver } from './unleash-flag-resolver.ts';

export interface CreateFlagResolverOptions {
  /** A Unleash server; undefined evaluates `flagsFile` offline. */
  readonly unleash: Config['unleash'];
  readonly flagsFile: string;
  readonly backupDir: string;
  readonly logger: Logger;
  /**
   * Unleash poll interval (and the flags file's stat-poll fallback). 1 s: Unleash itself publishes a
   * change within about a second, so a flip is in force here within about 2 s.
   */
  readonly refreshIntervalMs?: number;
}

/** The flag resolver for main.ts: Unleash when configured, else flags.json; same evaluation either way. */
export async function createFlagResolver(options: CreateFlagResolverOptions): Promise<FlagResolver> {
  const refreshIntervalMs = options.refreshIntervalMs ?? 1000;
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
