import type { Logger } from '../../observability/logger.ts';
import { errorDetails } from '../../observability/logger.ts';
import type { RetentionResult, ShadowStore } from './shadow-store.ts';

export interface ShadowRetentionOptions {
  readonly store: Pick<ShadowStore, 'deleteExpired'>;
  readonly logger: Logger;
  /** Default 14 (README.md, "Shadow comparison and QA reports"). */
  readonly retentionDays?: number;
  /** Default hourly. */
  readonly intervalMs?: number;
  /**
   * The first run, after start (default 30–60 s, jittered so replicas started together spread out):
   * replicas restarted more often than the interval must still delete.
   */
  readonly firstRunMs?: number;
  /** Rows per delete statement (default 1000). */
  readonly batchSize?: number;
  readonly now?: () => Date;
}

export interface ShadowRetention {
  runOnce(): Promise<RetentionResult>;
  stop(): Promise<void>;
}

/**
 * Deletes shadow data older than the retention period in small batches, on a timer. Each replica may
 * run it: the deletes are idempotent and batched, so two at once only share the work.
 */
export function startShadowRetention(options: ShadowRetentionOptions): ShadowRetention {
  const retentionMs = (options.retentionDays ?? 14) * 24 * 60 * 60 * 1000;
  const batchSize = options.batchSize ?? 1000;
  const now = options.now ?? (() => new Date());
  let running: Promise<RetentionResult> | undefined;

  const runOnce = (): Promise<RetentionResult> => {
    running ??= (async () => {
      try {
        const olderThan = new Date(now().getTime() - retentionMs);
        const result = await options.store.deleteExpired({ olderThan, batchSize });
        if (result.samples + result.minutes + result.groups > 0) {
          options.logger.info('shadow retention', { olderThan: olderThan.toISOString(), ...result });
        }
        return result;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const tick = (): void => {
    runOnce().catch((error: unknown) => {
      options.logger.warn('shadow retention failed; retrying next interval', {
        error: errorDetails(error),
      });
    });
  };
  const first = setTimeout(tick, options.firstRunMs ?? 30_000 + Math.random() * 30_000);
  first.unref();
  const timer = setInterval(tick, options.intervalMs ?? 60 * 60 * 1000);
  timer.unref();

  return {
    runOnce,
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
