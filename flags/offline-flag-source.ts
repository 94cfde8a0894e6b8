import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InMemStorageProvider, Unleash } from 'unleash-client';
import type { UnleashConfig } from 'unleash-client';
import type { Logger } from '../src/observability/logger.ts';
import { errorDetails } from '../src/observability/logger.ts';
import type { FlagsDocument } from './flag-definition.ts';
import { FlagsFileError, parseFlagsDocument } from './flag-definition.ts';
import type { FlagEvaluator, FlagSource } from './flag-source.ts';
import { watchFlagsFile } from './flags-file-watcher.ts';
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
  const flags = new OfflineFlags(resolve(options.flagsFile), options.logger);
  const stopWatching = watchFlagsFile(
    flags.path,
    { pollIntervalMs: options.pollIntervalMs ?? 1000, fsWatch: options.fsWatch !== false },
    options.logger,
    () => flags.schedule(),
  );
  await flags.load();
  return {
    current: (): FlagEvaluator | undefined => flags.current,
    isReady: () => flags.current !== undefined,
    async stop() {
      stopWatching();
      await flags.stop();
    },
  };
}

/** The flags in force and how an edit of the file replaces them. */
class OfflineFlags {
  current: Unleash | undefined;
  readonly path: string;
  readonly #logger: Logger;
  #lastText: string | undefined;
  #lastReadProblem: string | undefined;
  #stopped = false;
  #settleTimer: NodeJS.Timeout | undefined;
  #reloading: Promise<void> = Promise.resolve();

  constructor(path: string, logger: Logger) {
    this.path = path;
    this.#logger = logger;
  }

  async load(): Promise<void> {
    this.#reloading = this.#reload().catch((error: unknown) => {
      this.#logger.error('flags load failed', { flagsFile: this.path, error: errorDetails(error) });
    });
    await this.#reloading;
  }

  schedule(): void {
    if (this.#stopped) return;
    clearTimeout(this.#settleTimer);
    this.#settleTimer = setTimeout(() => {
      this.#reloading = this.#reloading
        .then(() => this.#reload())
        .catch((error: unknown) => {
          this.#logger.error('flags reload failed; the last good flags stay in force', {
            flagsFile: this.path,
            error: errorDetails(error),
          });
        });
    }, SETTLE_MS);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#settleTimer);
    await this.#reloading;
    this.current?.destroy();
    this.current = undefined;
  }

  async #reload(): Promise<void> {
    if (this.#stopped) return;
    const text = await this.#readChangedText();
    if (text === undefined) return;
    const document = this.#parse(text);
    if (document === undefined) return;
    const next = await startOfflineUnleash(document, this.#logger, this.path);
    if (this.#stopped) {
      next.destroy();
      return;
    }
    const previous = this.current;
    this.current = next;
    previous?.destroy();
    this.#logger.info('flags loaded', { flagsFile: this.path, flags: document.features.length });
  }

  /** The file's text when it differs from the last read; undefined when unchanged or unreadable. */
  async #readChangedText(): Promise<string | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error: unknown) {
      const details = errorDetails(error);
      const problem = String(details.code ?? details.message);
      if (this.#lastReadProblem !== problem) {
        this.#lastReadProblem = problem;
        this.#logger.error('flags file unreadable; the last good flags stay in force', {
          flagsFile: this.path,
          error: details,
        });
      }
      return undefined;
    }
    this.#lastReadProblem = undefined;
    if (text === this.#lastText) return undefined;
    this.#lastText = text;
    return text;
  }

  #parse(text: string): FlagsDocument | undefined {
    try {
      return parseFlagsDocument(text);
    } catch (error: unknown) {
      if (!(error instanceof FlagsFileError)) throw error;
      this.#logger.error('flags file rejected; the last good flags stay in force', {
        flagsFile: this.path,
        problems: error.problems,
      });
      return undefined;
    }
  }
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
