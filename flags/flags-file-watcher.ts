import { type FSWatcher, watch, watchFile, unwatchFile } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../src/observability/logger.ts';
import { errorDetails } from '../src/observability/logger.ts';

export interface FlagsFileWatchOptions {
  readonly pollIntervalMs: number;
  /** false: stat polling only. */
  readonly fsWatch: boolean;
}

// The directory is watched, not the file: editors save by writing a new file and renaming it over
// the old one, which ends a watch on the old inode.
function watchDirectory(path: string, logger: Logger, onChange: () => void): FSWatcher | undefined {
  try {
    const directoryWatcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
      if (filename === null || filename === basename(path)) onChange();
    });
    directoryWatcher.on('error', (error: unknown) => {
      logger.warn('flags file watch failed; polling only', { flagsFile: path, error: errorDetails(error) });
      directoryWatcher.close();
    });
    return directoryWatcher;
  } catch (error: unknown) {
    logger.warn('flags file cannot be watched; polling only', {
      flagsFile: path,
      error: errorDetails(error),
    });
    return undefined;
  }
}

/**
 * Calls onChange whenever the flags file may have changed: fs.watch on its directory where that works,
 * and a stat poll always, for the edits fs.watch misses. Returns the function that stops watching.
 */
export function watchFlagsFile(
  path: string,
  options: FlagsFileWatchOptions,
  logger: Logger,
  onChange: () => void,
): () => void {
  const watcher = options.fsWatch ? watchDirectory(path, logger, onChange) : undefined;
  const onStat = (): void => onChange();
  watchFile(path, { interval: options.pollIntervalMs, persistent: false }, onStat);
  return () => {
    watcher?.close();
    unwatchFile(path, onStat);
  };
}
