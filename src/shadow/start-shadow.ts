import type { Kysely } from 'kysely';
import { createTokenVerifier, type TokenVerifierSettings } from '../identity/token-verifier.ts';
import type { HostHeaderMode } from '../proxy/forward-headers.ts';
import type { Logger } from '../observability/logger.ts';
import { errorDetails } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { createLegacyCaller } from './legacy-caller.ts';
import { createNoiseModel } from './noise/noise-model.ts';
import { createRedactor, type RedactionOptions } from './redact.ts';
import { createComparer } from './compare/off-thread-comparer.ts';
import { createShadowRunner, type AcceptedDifferences, type ShadowRunner } from './shadow-runner.ts';
import { createPostgresShadowStore } from './store/postgres-shadow-store.ts';
import { startShadowRetention } from './store/shadow-retention.ts';
import { createShadowWriter } from './store/shadow-writer.ts';
import { createSyncWatch } from './runner/sync-watch.ts';
import type { DroppedCount, ShadowStore } from './store/shadow-store.ts';

export type StartShadowDeps = StartShadowOptions &
  (
    | {
        /** The proxy's PostgreSQL (DATABASE_URL); the shadow store's tables must be migrated already. */
        readonly db: Kysely<unknown>;
      }
    | {
        /** Any other store (benchmarks without a database). */
        readonly store: ShadowStore;
      }
  );

export interface StartShadowOptions {
  readonly legacyUrl: URL;
  /**
   * The issuer of the callers' bearer tokens (AUTH_*): a route with a policy runs its new handler only
   * for a caller verified as the proxy verifies one. Undefined: such routes' new side answers 401.
   */
  readonly auth?: TokenVerifierSettings;
  readonly hostHeader: HostHeaderMode;
  readonly metrics: ShadowMetrics;
  readonly logger: Logger;
  readonly redaction?: RedactionOptions;
  readonly killSwitchOn?: () => boolean;
  /** QA's accepted differences, looked up synchronously (src/qa-reports/accepted-rules-cache.ts). */
  readonly acceptedDifferences?: (routeId: string) => AcceptedDifferences | undefined;
  readonly concurrency?: number;
  readonly queueLimit?: number;
  readonly noiseSampleRate?: number;
  readonly noiseMaxPerSecond?: number;
  /** How long an early dry run waits for legacy's exchange (default 60 s); at least LEGACY_TIMEOUT_MS. */
  readonly exchangeWaitMs?: number;
  readonly retentionDays?: number;
  readonly samplesPerGroup?: number;
  /** See ShadowRunnerDeps.onPendingChange. */
  readonly onPendingChange?: (pending: number) => void;
  /**
   * When the dual-write sync runs (its tables in `db`): how long a read's mismatch waits for the sync to
   * catch up before both sides are called again (SHADOW_SYNC_WAIT_MS). Undefined or 0: no such wait.
   */
  readonly syncWaitMs?: number;
}

/** The metrics the shadow side updates. */
export type ShadowMetrics = Pick<
  Metrics,
  'shadowComparisons' | 'shadowQueueDepth' | 'shadowDropped' | 'shadowLatency'
>;

/**
 * The settings of the shadow side that a caller may tune (StartShadowDeps without what must be built
 * where it runs); the shadow thread receives them as they are.
 */
export type ShadowTuning = Pick<
  StartShadowOptions,
  | 'redaction'
  | 'concurrency'
  | 'queueLimit'
  | 'noiseSampleRate'
  | 'noiseMaxPerSecond'
  | 'exchangeWaitMs'
  | 'retentionDays'
  | 'samplesPerGroup'
  | 'syncWaitMs'
>;

export interface Shadow {
  /** Pass as `observer` to createPublicServer. */
  readonly observer: ShadowRunner;
  /** Counts requests left uncompared elsewhere (the proxy's thread) with this side's results. */
  addDropped(counts: readonly DroppedCount[]): void;
  /** Stops taking exchanges, waits for running comparisons, writes what is buffered, closes sockets. */
  close(): Promise<void>;
}

/**
 * Builds the shadow comparison subsystem from its parts (for src/main.ts): store, batching writer,
 * noise model seeded with what earlier runs learned, legacy caller, runner, retention. A store that is
 * down at startup only costs the learned noise, never the start.
 */
export async function startShadow(deps: StartShadowDeps): Promise<Shadow> {
  const { logger, metrics } = deps;
  const store =
    'store' in deps
      ? deps.store
      : createPostgresShadowStore(deps.db, { samplesPerGroup: deps.samplesPerGroup ?? 20 });
  const noise = createNoiseModel();
  try {
    for (const learned of await store.loadNoise()) noise.seed(learned);
  } catch (error: unknown) {
    logger.warn('learned shadow noise could not be loaded; learning again', { error: errorDetails(error) });
  }
  const writer = createShadowWriter({
    store,
    metrics,
    logger,
    noise,
    samplesPerGroup: deps.samplesPerGroup ?? 20,
  });
  const legacy = createLegacyCaller({
    legacyUrl: deps.legacyUrl,
    hostHeader: deps.hostHeader,
    connections: deps.concurrency ?? 8,
  });
  // Responses over 64 KiB together are compared on a worker thread, off the event loop clients share.
  const comparer = createComparer();
  const runner = createShadowRunner({
    callLegacy: legacy.call,
    ...(deps.auth === undefined ? {} : { callers: createTokenVerifier(deps.auth) }),
    comparer,
    writer,
    noise,
    redactor: createRedactor(deps.redaction),
    metrics,
    logger,
    ...(deps.concurrency === undefined ? {} : { concurrency: deps.concurrency }),
    ...(deps.queueLimit === undefined ? {} : { queueLimit: deps.queueLimit }),
    ...(deps.noiseSampleRate === undefined ? {} : { noiseSampleRate: deps.noiseSampleRate }),
    ...(deps.noiseMaxPerSecond === undefined ? {} : { noiseMaxPerSecond: deps.noiseMaxPerSecond }),
    ...(deps.exchangeWaitMs === undefined ? {} : { exchangeWaitMs: deps.exchangeWaitMs }),
    ...(deps.killSwitchOn === undefined ? {} : { killSwitchOn: deps.killSwitchOn }),
    ...(deps.acceptedDifferences === undefined ? {} : { acceptedDifferences: deps.acceptedDifferences }),
    ...(deps.onPendingChange === undefined ? {} : { onPendingChange: deps.onPendingChange }),
    ...('db' in deps && (deps.syncWaitMs ?? 0) > 0
      ? { syncWatch: createSyncWatch(deps.db, { waitMs: deps.syncWaitMs ?? 0 }) }
      : {}),
  });
  const retention = startShadowRetention({
    store,
    logger,
    ...(deps.retentionDays === undefined ? {} : { retentionDays: deps.retentionDays }),
  });
  let closing: Promise<void> | undefined;
  return {
    observer: runner,
    addDropped: (counts) => writer.addDropped(counts),
    close() {
      // Idempotent: shutdown paths (signal handler, tests) may both call it.
      closing ??= (async () => {
        await runner.close();
        await comparer.close();
        await writer.close();
        await retention.stop();
        await legacy.close();
      })();
      return closing;
    },
  };
}
