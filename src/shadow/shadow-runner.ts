import type { TokenVerifier } from '../identity/token-verifier.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { ExchangeObserver, ObservedRequest } from '../proxy/exchange-observer.ts';
import type { RouteRecord } from '../routing/route.ts';
import type { AcceptedDifferences } from './accepted-differences.ts';
import { inlineComparer, type Comparer } from './compare/off-thread-comparer.ts';
import type { LegacyCall } from './legacy-caller.ts';
import type { NoiseModel } from './noise/noise-model.ts';
import type { Redactor } from './redact.ts';
import { createShadowCalls, type ShadowCalls } from './runner/call.ts';
import { createClassify, judgeDifferences, type Classify } from './runner/classify.ts';
import { createEarlyDryRuns, type ShadowJob } from './runner/early-dry-run.ts';
import { createNoiseSampling, type NoiseSamplingDeps } from './runner/noise-sampling.ts';
import { createRecordResult, type RecordResult } from './runner/record.ts';
import { createRulesFor } from './runner/rules.ts';
import { createRunExchange } from './runner/run-exchange.ts';
import {
  DEFAULT_SHADOW_SETTINGS,
  sampledCaptureLimit,
  shadowSettingsOf,
  type ShadowDefaults,
} from './runner/sample.ts';
import { createSchedule, type Schedule } from './runner/schedule.ts';
import { createClassifyAfterSync, createSyncRecheck, type ClassifyAfterSync } from './runner/sync-recheck.ts';
import type { SyncWatch } from './runner/sync-watch.ts';
import type { DroppedReason } from './store/shadow-store.ts';
import { droppedNow, type ShadowWriter } from './store/shadow-writer.ts';

export type { AcceptedDifferences };
export { groupPaths } from './runner/classify.ts';
export { shadowRuleProblems } from './runner/rules.ts';
export {
  DEFAULT_SHADOW_SETTINGS,
  sampledCaptureLimit,
  shadowSettingsOf,
  startsEarlyDryRun,
  type ShadowDefaults,
} from './runner/sample.ts';

/*
 * The shadow side of sampled requests, as stages (src/shadow/runner/):
 *
 *   sample    capture this request's bodies? (mode, rate, safe methods)        runner/sample.ts
 *   schedule  a slot now, a queue place, or dropped; overdue calls hold slots  runner/schedule.ts
 *             a write served by legacy starts its dry run early and waits      runner/early-dry-run.ts
 *   screen    fallbacks, bodies over the cap, broken responses, bad rules      runner/run-exchange.ts
 *   call      the other side: new (dry run for a write) or legacy, timed out   runner/call.ts
 *   learn     now and then legacy a second time, for its noise                 runner/noise-sampling.ts
 *   compare   both responses under the route's compiled rules                  runner/rules.ts, compare/
 *   settle    a read's mismatch while the sync moved its tables: both sides     runner/sync-recheck.ts
 *             called again once it caught up; gone, it is `sync-lag`           runner/sync-watch.ts
 *   classify  match, noise or mismatch; accepted differences; redacted sample  runner/classify.ts
 *   record    metrics, and the result handed to the writer                     runner/record.ts
 *
 * run-exchange.ts takes one exchange through screen → call → learn → compare → settle → classify →
 * record.
 */

export interface ShadowRunnerDeps {
  /** Calls legacy for the shadow side (legacy-caller.ts). */
  readonly callLegacy: LegacyCall;
  /**
   * Verifies the bearer tokens of requests to routes with a policy before their new handler runs
   * (runner/shadow-caller.ts); without one such routes' new side answers 401.
   */
  readonly callers?: TokenVerifier;
  /**
   * `wantsSample`, when given, is asked before a sample is redacted; `addDropped` is told of requests
   * dropped or left unsampled (see ShadowWriter).
   */
  readonly writer: Pick<ShadowWriter, 'record'> & Partial<Pick<ShadowWriter, 'wantsSample' | 'addDropped'>>;
  readonly noise: NoiseModel;
  readonly redactor: Redactor;
  readonly metrics: Pick<
    Metrics,
    'shadowComparisons' | 'shadowQueueDepth' | 'shadowDropped' | 'shadowLatency'
  >;
  readonly logger: Logger;
  /** Shadow calls running at once (default 8). */
  readonly concurrency?: number;
  /** Exchanges waiting for a slot before new ones are dropped (default 64). */
  readonly queueLimit?: number;
  /** Fraction of compared safe requests that also call legacy a second time to learn noise (default 0.1). */
  readonly noiseSampleRate?: number;
  /** The first N compared safe requests of each route always learn noise (default 20), so it is known early. */
  readonly noiseWarmup?: number;
  /**
   * At most this many noise-learning second calls to legacy per route per second, after the warm-up
   * (default 5). Each is a whole extra request to legacy: 10% of a busy route's traffic would cost
   * legacy capacity and the proxy CPU for little more learning than a few a second give.
   */
  readonly noiseMaxPerSecond?: number;
  readonly defaults?: ShadowDefaults;
  /** `strangler.kill-switch`: no shadowing at all while it is on. */
  readonly killSwitchOn?: () => boolean;
  /** Sync lookup of QA's accepted differences (cached by the caller); undefined when none. */
  readonly acceptedDifferences?: (routeId: string) => AcceptedDifferences | undefined;
  /**
   * How long a dry run started early (see `onRequest`) waits for the served exchange before it gives
   * up, frees its slot and is recorded as skipped (default 60 s; make it at least legacy's timeout).
   */
  readonly exchangeWaitMs?: number;
  readonly random?: () => number;
  readonly now?: () => Date;
  /**
   * Where comparisons run (off-thread-comparer.ts): large bodies on a worker thread so they never
   * hold up the event loop clients share. Default: all inline. The caller owns and closes it.
   */
  readonly comparer?: Comparer;
  /**
   * Told the number of shadow calls running or queued whenever it changes (the shadow thread shares
   * it with the proxy's thread, which then stops capturing for a full runner).
   */
  readonly onPendingChange?: (pending: number) => void;
  /**
   * The dual-write sync's progress (runner/sync-watch.ts), when it runs: a read's mismatch on a route
   * whose tables the sync moved meanwhile is compared again once it has caught up, and recorded as
   * `sync-lag` when the difference is gone.
   */
  readonly syncWatch?: SyncWatch;
}

export interface ShadowRunner extends ExchangeObserver {
  /** Starts the dry run of a write served by legacy before legacy can have written (see below). */
  onRequest(request: ObservedRequest): void;
  /** Resolves when no shadow call is queued or running (tests, graceful shutdown). */
  idle(): Promise<void>;
  /** Stops taking exchanges and waits for running ones (each bounded by its timeout). */
  close(): Promise<void>;
}

/**
 * Runs the non-serving side of sampled requests off the client's path and records the comparison.
 * Implements the proxy's ExchangeObserver: the proxy asks `captureLimit` before reading a matched
 * request (unsampled traffic pays nothing) and hands over the finished exchange with `onExchange`,
 * which only enqueues. Bounded concurrency and queue, each call with its own timeout; nothing here
 * can delay, alter or fail the client's response.
 *
 * Writes are never sent to legacy twice: the new handler shadows an unsafe method only in dry-run,
 * and legacy is shadowed (or called twice for noise) for safe methods only.
 *
 * A dry run of a write served by legacy starts from `onRequest`, when the request body has reached
 * legacy, not after legacy answered: by then legacy has committed and the legacy → PostgreSQL sync
 * (100 ms polls) may have copied the row, so the dry run would answer "409 already exists" and QA
 * would see a false mismatch. Started early, it runs alongside legacy on the data as it was before
 * the write, holding its slot until the exchange arrives (bounded by `exchangeWaitMs`).
 * Residual race: a dry run that reaches PostgreSQL only after legacy has written, the sync has polled
 * and applied the row (a new handler slower than legacy plus the sync's lag, or a dry run that waited
 * in the queue) still sees the synced row. Safe methods keep the late start: they write nothing the
 * sync could copy, and starting them early would hold a slot for legacy's whole response time.
 */
export function createShadowRunner(deps: ShadowRunnerDeps): ShadowRunner {
  const { metrics, logger } = deps;
  const defaults = deps.defaults ?? DEFAULT_SHADOW_SETTINGS;
  const random = deps.random ?? Math.random;
  const comparer = deps.comparer ?? inlineComparer;
  const now = deps.now ?? (() => new Date());
  const settingsOf = (route: RouteRecord): ShadowDefaults => shadowSettingsOf(route, defaults);
  const dropped = (routeId: string, reason: DroppedReason): void =>
    deps.writer.addDropped?.([droppedNow(routeId, reason, Date.now())]);

  const schedule = createSchedule<ShadowJob>({
    concurrency: deps.concurrency ?? 8,
    queueLimit: deps.queueLimit ?? 64,
    metrics,
    logger,
    onPendingChange: deps.onPendingChange,
    onDropped: (job) =>
      dropped((job.kind === 'exchange' ? job.exchange : job.request).match.route.id, 'queue-full'),
    run: (job) =>
      job.kind === 'exchange' ? runExchange(job.exchange) : earlyDryRuns.run(job.request, job.run),
  });
  const calls = createShadowCalls(deps.callLegacy, schedule.overdueCalls, deps.callers);
  const record = createRecordResult({ writer: deps.writer, metrics, logger, now });
  const classify = createClassify({
    noise: deps.noise,
    redactor: deps.redactor,
    acceptedDifferences: deps.acceptedDifferences,
    writer: deps.writer,
    now,
    record,
  });
  const runExchange = createRunExchange({
    settingsOf,
    rulesFor: createRulesFor(logger),
    calls,
    noiseSampling: createNoiseSampling({
      ...noiseSamplingSettings(deps),
      noise: deps.noise,
      comparer,
      calls,
      logger,
      random,
      now,
    }),
    comparer,
    classify,
    record,
    classifyAfterSync: classifyAfterSync(deps, { calls, comparer, classify, record }),
  });
  const earlyDryRuns = createEarlyDryRuns({
    schedule,
    calls,
    runExchange,
    record,
    settingsOf,
    killSwitchOn: deps.killSwitchOn,
    exchangeWaitMs: deps.exchangeWaitMs ?? 60_000,
  });

  return {
    captureLimit: sampler({ ...deps, defaults, random }, schedule, dropped),
    onRequest: earlyDryRuns.onRequest,
    onExchange(exchange) {
      if (schedule.isClosed() || earlyDryRuns.claim(exchange)) return;
      schedule.admit({ kind: 'exchange', exchange });
    },
    idle: () => schedule.idle(),
    async close() {
      const drained = schedule.close();
      // Dry runs started early stop waiting for exchanges that will no longer be taken.
      earlyDryRuns.cancelAll();
      await drained;
    },
  };
}

/**
 * The observer's sampling decision for a matched request: the bytes to capture, or nothing (not in a
 * shadowing mode, or left out by the sample rate, or dropped for a full runner; those two counted).
 */
function sampler(
  deps: Pick<ShadowRunnerDeps, 'metrics' | 'killSwitchOn'> & {
    defaults: ShadowDefaults;
    random: () => number;
  },
  schedule: Pick<Schedule<ShadowJob>, 'isClosed' | 'full'>,
  dropped: (routeId: string, reason: DroppedReason) => void,
): ShadowRunner['captureLimit'] {
  return (match, decision) => {
    if (schedule.isClosed() || deps.killSwitchOn?.() === true) return undefined;
    const limit = sampledCaptureLimit(match.route, decision, deps.defaults, deps.random);
    if (limit === undefined) return undefined;
    if (limit === 'unsampled') {
      dropped(match.route.id, 'sample-rate');
      return undefined;
    }
    if (schedule.full()) {
      // Dropped before any byte is captured: the cheapest place to shed shadow load.
      deps.metrics.shadowDropped.inc({ reason: 'queue_full' });
      dropped(match.route.id, 'queue-full');
      return undefined;
    }
    return limit;
  };
}

function noiseSamplingSettings(
  deps: ShadowRunnerDeps,
): Pick<NoiseSamplingDeps, 'warmup' | 'sampleRate' | 'maxPerSecond'> {
  return {
    warmup: deps.noiseWarmup ?? 20,
    sampleRate: deps.noiseSampleRate ?? 0.1,
    maxPerSecond: deps.noiseMaxPerSecond ?? 5,
  };
}

/** Reads' mismatches checked against the sync's lag, when the runner is given the sync's progress. */
function classifyAfterSync(
  deps: Pick<ShadowRunnerDeps, 'syncWatch' | 'noise' | 'acceptedDifferences'>,
  parts: { calls: ShadowCalls; comparer: Comparer; classify: Classify; record: RecordResult },
): ClassifyAfterSync | undefined {
  if (deps.syncWatch === undefined) return undefined;
  const { calls, comparer, classify, record } = parts;
  return createClassifyAfterSync({
    recheck: createSyncRecheck({ watch: deps.syncWatch, calls, comparer }),
    classify,
    record,
    isMismatch: (routeId, result) =>
      !result.equal && judgeDifferences(deps, routeId, result.differences).verdict === 'mismatch',
  });
}
