import { type FSWatcher, watch, watchFile, unwatchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { InMemStorageProvider, Unleash } from 'unleash-client';
import type { UnleashConfig } from 'unleash-client';
import type { Logger } from '../src/observability/logger.ts';
import { errorDetails } from '../src/observability/logger.ts';
import type { FlagsDocument } from './flag-definition.ts';
import { FlagsFileError, parseFlagsDocument } from './flag-definition.ts';
import type { FlagEvaluator, FlagSource } from './flag-source.ts';
import { forwardUnleashEvents } from './unleash-events.ts';

export interface OfflineFlagSourceOptions {
  readonly flagsFile: string;
  readonly logger: Logger;
  /** Stat poll interval: the fallback when fs.watch misses an edit (network drives, some editors). */
  readonly pollIntervalMs?: number;
  /**
   * false: stat polling only. For file systems where fs.watch reports nothing (NFS, SMB, some
   * container volume drivers), and to prove the poll alone keeps edits flowing.
   */
  readonly fsWatch?: boolean;
}

type Bootstrap = NonNullable<UnleashConfig['bootstrap']>;

/** Edits come in bursts (truncate, write, rename); wait for the burst to settle before reading. */
const SETTLE_MS = 75;
/** unleash-client requires a URL even when it never fetches; nothing listens here and nothing is sent. */
const NO_SERVER_URL = 'http://127.0.0.1:9/strangler-offline/';

/**
 * flags.json evaluated by unleash-client with no network at all: the document is the SDK's bootstrap,
 * refreshing and metrics are off, and storage is in memory. An edit builds a fresh instance from the
 * new document and swaps it in; a document that does not parse or has the wrong shape is logged and
 * the last good flags stay in force.
 */
export async function createOfflineFlagSource(options: OfflineFlagSourceOptions): Promise<FlagSource> {
  const path = resolve(options.flagsFile);
  const { logger } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  let current: Unleash | undefined;
  let lastText: string | undefined;
  let lastReadProblem: string | undefined;
  let stopped = false;
  let settleTimer: NodeJS.Timeout | undefined;
  let reloading: Promise<void> = Promise.resolve();

  const reload = async (): Promise<void> => {
    if (stopped) return;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error: unknown) {
      const details = errorDetails(error);
      const problem = String(details.code ?? details.message);
      if (lastReadProblem !== problem) {
        lastReadProblem = problem;
        logger.error('flags file unreadable; the last good flags stay in force', {
          flagsFile: path,
          error: details,
        });
      }
      return;
    }
    lastReadProblem = undefined;
    if (text === lastText) return;
    lastText = text;
    let document: FlagsDocument;
    try {
      document = parseFlagsDocument(text);
    } catch (error: unknown) {
      if (!(error instanceof FlagsFileError)) throw error;
      logger.error('flags file rejected; the last good flags stay in force', {
        flagsFile: path,
        problems: error.problems,
      });
      return;
    }
    const next = await startOfflineUnleash(document, logger, path);
    if (stopped) {
      next.destroy();
      return;
    }
    const previous = current;
    current = next;
    previous?.destroy();
    logger.info('flags loaded', { flagsFile: path, flags: document.features.length });
  };

  const schedule = (): void => {
    if (stopped) return;
    clearTimeout(settleTimer);
    settleTimer = setTimeout(() => {
      reloading = reloading.then(reload).catch((error: unknown) => {
        logger.error('flags reload failed; the last good flags stay in force', {
          flagsFile: path,
          error: errorDetails(error),
        });
      });
    }, SETTLE_MS);
  };

  // The directory is watched, not the file: editors save by writing a new file and renaming it over
  // the old one, which ends a watch on the old inode.
  const watchDirectory = (): FSWatcher | undefined => {
    try {
      const directoryWatcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
        if (filename === null || filename === basename(path)) schedule();
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
  };
  const watcher = options.fsWatch === false ? undefined : watchDirectory();
  const onStat = (): void => schedule();
  watchFile(path, { interval: pollIntervalMs, persistent: false }, onStat);

  reloading = reload().catch((error: unknown) => {
    logger.error('flags load failed', { flagsFile: path, error: errorDetails(error) });
  });
  await reloading;

  return {
    current: (): FlagEvaluator | undefined => current,
    isReady: () => current !== undefined,
    async stop() {
      stopped = true;
      clearTimeout(settleTimer);
      watcher?.close();
      unwatchFile(path, onStat);
      await reloading;
      current?.destroy();
      current = undefined;
    },
  };
}

async function startOfflineUnleash(
  document: FlagsDocument,
  logger: Logger,
  flagsFile: string,
): Promise<Unleash> {
  const unleash = new Unleash({
    appName: 'strangler-offline',
    url: NO_SERVER_URL,
    refreshInterval: 0,
    disableMetrics: true,
    storageProvider: new InMemStorageProvider(),
    // parseFlagsDocument checked the shape unleash-client expects; its types are mutable, ours are not.
    bootstrap: {
      data: document.features as unknown as NonNullable<Bootstrap['data']>,
      segments: document.segments as unknown as Bootstrap['segments'],
    },
    disableAutoStart: true,
    skipInstanceCountWarning: true,
  });
  forwardUnleashEvents(unleash, logger, { flagsFile });
  // unleash-client ignores an empty bootstrap and would never become ready; no flags is simply all legacy.
  // (A listener, not events.once: once() would reject on the SDK's non-fatal `error` events.)
  const ready =
    document.features.length > 0
      ? new Promise<void>((resolveReady) => unleash.once('ready', () => resolveReady()))
      : Promise.resolve();
  await unleash.start();
  await ready;
  return unleash;
}
