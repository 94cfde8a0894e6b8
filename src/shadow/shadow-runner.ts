import type { OutgoingHttpHeaders } from 'node:http';
import type { HandlerResponse } from '../handlers/new-handler.ts';
import type { Logger } from '../observability/logger.ts';
import { errorDetails } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type {
  CapturedBody,
  ExchangeObserver,
  ObservedExchange,
  ObservedRequest,
} from '../proxy/exchange-observer.ts';
import { SAFE_METHODS, type RouteMatch, type RouteRecord } from '../routing/route.ts';
import type { ModeDecision } from '../../flags/flag-resolver.ts';
import { unacceptedDifferences, type AcceptedDifferences } from './accepted-differences.ts';
import type { CapturedHeaders, CapturedRequest, CapturedResponse } from './captured-exchange.ts';
import type { Difference } from './compare/compare-exchanges.ts';
import { compiledRulesFor, compileCompareRules, type CompiledCompareRules } from './compare/compare-rules.ts';
import { fingerprintOf } from './compare/fingerprint.ts';
import { collapseFormattedPath } from './compare/json-path.ts';
import { inlineComparer, type Comparer } from './compare/off-thread-comparer.ts';
import { decodeBody } from './decode-body.ts';
import type { LegacyCall } from './legacy-caller.ts';
import type { NoiseModel } from './noise/noise-model.ts';
import { redactedSegmentsOf } from '../routing/redact-path.ts';
import type { Redactor } from './redact.ts';
import type { ShadowOutcome, ShadowReason } from './store/shadow-store.ts';
import type { ShadowResult, ShadowWriter } from './store/shadow-writer.ts';

export type { AcceptedDifferences };

export interface ShadowDefaults {
  readonly sampleRate: number;
  readonly captureLimitBytes: number;
  readonly timeoutMs: number;
}

/** Used for routes without `shadow` settings (issue #4: 1 MiB capture cap). */
export const DEFAULT_SHADOW_SETTINGS: ShadowDefaults = {
  sampleRate: 1,
  captureLimitBytes: 1024 * 1024,
  timeoutMs: 5000,
};

export interface ShadowRunnerDeps {
  /** Calls legacy for the shadow side (legacy-caller.ts). */
  readonly callLegacy: LegacyCall;
  /** `wantsSample`, when given, is asked before a sample is redacted (see ShadowWriter). */
  readonly writer: Pick<ShadowWriter, 'record'> & Partial<Pick<ShadowWriter, 'wantsSample'>>;
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
}

export interface ShadowRunner extends ExchangeObserver {
  /** Starts the dry run of a write served by legacy before legacy can have written (see below). */
  onRequest(request: ObservedRequest): void;
  /** Resolves when no shadow call is queued or running (tests, graceful shutdown). */
  idle(): Promise<void>;
  /** Stops taking exchanges and waits for running ones (each bounded by its timeout). */
  close(): Promise<void>;
}

/** The new side's answer, obtained before the exchange it belongs to finished. */
type EarlyResult =
  | { readonly ok: true; readonly response: CapturedResponse; readonly ms: number }
  | { readonly ok: false; readonly error: unknown; readonly ms: number };

/** A dry run started from `onRequest`, waiting for its exchange. */
interface EarlyRun {
  exchange: ObservedExchange | undefined;
  /** Set while the run waits: hands over the exchange, or undefined to give up. */
  deliver: ((exchange: ObservedExchange | undefined) => void) | undefined;
}

type Job =
  | { readonly kind: 'exchange'; readonly exchange: ObservedExchange }
  | { readonly kind: 'early'; readonly request: ObservedRequest; readonly run: EarlyRun };

/** A route's shadow settings: its own where it sets them, the defaults otherwise. */
export function shadowSettingsOf(route: RouteRecord, defaults: ShadowDefaults): ShadowDefaults {
  return {
    sampleRate: route.shadow?.sampleRate ?? defaults.sampleRate,
    captureLimitBytes: route.shadow?.captureLimitBytes ?? defaults.captureLimitBytes,
    timeoutMs: route.shadow?.timeoutMs ?? defaults.timeoutMs,
  };
}

/**
 * The sampling policy (shared by the runner and the shadow thread's host, which decides on the proxy's
 * thread): the bytes of each body to capture for a sampled request, undefined for one left alone.
 */
export function sampledCaptureLimit(
  route: RouteRecord,
  decision: ModeDecision,
  defaults: ShadowDefaults,
  random: () => number,
): number | undefined {
  if (decision.mode === 'legacy') return undefined;
  // Serving new, the other side is legacy, which never sees an unsafe method twice. The method is not
  // known yet: a route with only unsafe methods is left alone here, mixed routes are filtered in run().
  if (decision.serve === 'new' && route.methods.every((m) => !SAFE_METHODS.has(m))) return undefined;
  // Asked for every matched request in a shadowing mode: no settings object is built for it.
  const rate = decision.sampleRate ?? route.shadow?.sampleRate ?? defaults.sampleRate;
  if (!(rate > 0) || random() >= rate) return undefined;
  return route.shadow?.captureLimitBytes ?? defaults.captureLimitBytes;
}

/**
 * Whether `onRequest` starts an early dry run for this announcement (a write served by legacy whose
 * body was captured); the shadow thread's host forwards only these.
 */
export function startsEarlyDryRun(announced: ObservedRequest): boolean {
  return (
    announced.serving === 'legacy' &&
    !SAFE_METHODS.has(announced.request.method.toUpperCase()) &&
    announced.request.body.kind === 'captured'
  );
}

/** Announced requests left alone (kill switch, full, gave up waiting) whose exchange has not come yet. */
const DECLINED_MEMORY = 4096;

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
  const { metrics, logger, noise, redactor } = deps;
  const concurrency = deps.concurrency ?? 8;
  const queueLimit = deps.queueLimit ?? 64;
  const noiseSampleRate = deps.noiseSampleRate ?? 0.1;
  const noiseWarmup = deps.noiseWarmup ?? 20;
  const noiseMaxPerSecond = deps.noiseMaxPerSecond ?? 5;
  const defaults = deps.defaults ?? DEFAULT_SHADOW_SETTINGS;
  const random = deps.random ?? Math.random;
  const comparer = deps.comparer ?? inlineComparer;
  const now = deps.now ?? (() => new Date());
  const exchangeWaitMs = deps.exchangeWaitMs ?? 60_000;
  const queue: Job[] = [];
  const earlyRuns = new Map<number, EarlyRun>();
  const declined = new Set<number>();
  const noiseSamplesSeen = new Map<string, number>();
  /** Per route: the second (since the epoch) of the current noise budget, and how much of it is spent. */
  const noiseBudgets = new Map<string, { second: number; spent: number }>();
  const badRules = new Set<string>();
  let active = 0;
  /**
   * Calls that outlived their timeout and have not settled yet (a handler that ignores its abort
   * signal, a PostgreSQL that stopped answering). Their jobs are over (recorded as timeouts), but the
   * calls still hold a connection and their bodies: at most `concurrency` of them are tolerated
   * beside the running ones, and beyond that nothing starts until some settle. Otherwise a stalled
   * dependency would let calls pile up without bound and all run at once when it recovers.
   */
  let overdue = 0;
  let closed = false;
  let idleWaiters: (() => void)[] = [];

  const settingsOf = (route: RouteRecord): ShadowDefaults => shadowSettingsOf(route, defaults);

  const slotFree = () => active < concurrency && active + overdue < 2 * concurrency;
  const full = () => !slotFree() && queue.length >= queueLimit;

  const captureLimit = (match: RouteMatch, decision: ModeDecision): number | undefined => {
    if (closed || deps.killSwitchOn?.() === true) return undefined;
    const limit = sampledCaptureLimit(match.route, decision, defaults, random);
    if (limit === undefined) return undefined;
    if (full()) {
      // Dropped before any byte is captured: the cheapest place to shed shadow load.
      metrics.shadowDropped.inc({ reason: 'queue_full' });
      return undefined;
    }
    return limit;
  };

  const decline = (observationId: number): void => {
    declined.add(observationId);
    // Every announced request is followed by its exchange; this only bounds a misbehaving caller.
    if (declined.size > DECLINED_MEMORY) declined.delete(declined.values().next().value as number);
  };

  /** Dispatches a job now or queues it; false when both are full. */
  const admit = (job: Job): boolean => {
    if (slotFree()) {
      start(job);
      deps.onPendingChange?.(active + queue.length);
    } else if (queue.length < queueLimit) {
      queue.push(job);
      metrics.shadowQueueDepth.set(queue.length);
      deps.onPendingChange?.(active + queue.length);
    } else {
      metrics.shadowDropped.inc({ reason: 'queue_full' });
      return false;
    }
    return true;
  };

  const onRequest = (announced: ObservedRequest): void => {
    // Over the cap there is nothing to replay; the exchange is recorded as skipped.
    if (closed || !startsEarlyDryRun(announced)) return;
    if (deps.killSwitchOn?.() === true) {
      decline(announced.observationId);
      return;
    }
    const early: EarlyRun = { exchange: undefined, deliver: undefined };
    earlyRuns.set(announced.observationId, early);
    if (!admit({ kind: 'early', request: announced, run: early })) {
      earlyRuns.delete(announced.observationId);
      decline(announced.observationId);
    }
  };

  const onExchange = (exchange: ObservedExchange): void => {
    if (closed) return;
    const id = exchange.observationId;
    if (id !== undefined) {
      const early = earlyRuns.get(id);
      if (early !== undefined) {
        earlyRuns.delete(id);
        early.exchange = exchange;
        early.deliver?.(exchange);
        return;
      }
      // Its dry run was not started early on purpose; a late one would race the sync.
      if (declined.delete(id)) return;
    }
    admit({ kind: 'exchange', exchange });
  };

  const runJob = (job: Job): Promise<void> =>
    job.kind === 'exchange' ? run(job.exchange) : runEarly(job.request, job.run);

  const start = (job: Job): void => {
    active += 1;
    runJob(job)
      .catch((error: unknown) => {
        // run() records its own failures; this is a bug guard so a rejection never goes unhandled.
        logger.error('shadow comparison failed unexpectedly', { error: errorDetails(error) });
      })
      .finally(() => {
        active -= 1;
        startQueued();
      });
  };

  const startQueued = (): void => {
    const next = !closed && slotFree() ? queue.shift() : undefined;
    metrics.shadowQueueDepth.set(queue.length);
    deps.onPendingChange?.(active + queue.length + (next !== undefined ? 1 : 0));
    if (next !== undefined) start(next);
    else if (active === 0 && queue.length === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  };

  const overdueCalls: OverdueCalls = {
    begin: () => {
      overdue += 1;
    },
    end: () => {
      overdue -= 1;
      startQueued();
    },
  };

  const rulesFor = (route: RouteRecord): CompiledCompareRules | undefined => {
    try {
      return compiledRulesFor(route.shadow?.compare as Parameters<typeof compiledRulesFor>[0]);
    } catch (error: unknown) {
      if (!badRules.has(route.id)) {
        badRules.add(route.id);
        logger.error('invalid shadow comparison rules; comparisons of this route are recorded as errors', {
          route: route.id,
          error: errorDetails(error),
        });
      }
      return undefined;
    }
  };

  const record = (
    route: RouteRecord,
    outcome: ShadowOutcome,
    latency: { legacyMs?: number; newMs?: number },
    extra: Partial<Pick<ShadowResult, 'group'>> = {},
    reason?: { readonly code: ShadowReason; readonly detail: string },
  ): void => {
    metrics.shadowComparisons.inc({ route: route.id, outcome });
    if (latency.legacyMs !== undefined) {
      metrics.shadowLatency.observe({ route: route.id, side: 'legacy' }, latency.legacyMs / 1000);
    }
    if (latency.newMs !== undefined) {
      metrics.shadowLatency.observe({ route: route.id, side: 'new' }, latency.newMs / 1000);
    }
    if (reason !== undefined) {
      logger.debug('shadow comparison not completed', {
        route: route.id,
        outcome,
        reason: reason.code,
        detail: reason.detail,
      });
    }
    deps.writer.record({
      routeId: route.id,
      at: now(),
      outcome,
      ...(reason === undefined ? {} : { reason: reason.code }),
      ...(latency.legacyMs === undefined ? {} : { legacyLatencyMs: latency.legacyMs }),
      ...(latency.newMs === undefined ? {} : { newLatencyMs: latency.newMs }),
      ...extra,
    });
  };

  const runEarly = async (announced: ObservedRequest, early: EarlyRun): Promise<void> => {
    const route = announced.match.route;
    const settings = settingsOf(route);
    const started = performance.now();
    let result: EarlyResult;
    try {
      const response = await callNew(
        route,
        announced.match.params,
        capturedRequest(announced),
        true,
        settings,
      );
      result = { ok: true, response, ms: performance.now() - started };
    } catch (error: unknown) {
      result = { ok: false, error, ms: performance.now() - started };
    }
    const exchange =
      early.exchange ??
      (closed ? undefined : await waitForExchange(early, exchangeWaitMs - (performance.now() - started)));
    if (exchange === undefined) {
      if (earlyRuns.delete(announced.observationId)) decline(announced.observationId);
      record(
        route,
        'skipped',
        { newMs: result.ms },
        {},
        closed
          ? { code: 'shutdown', detail: 'shutting down before the exchange finished' }
          : { code: 'exchange-lost', detail: 'the served exchange never finished' },
      );
      return;
    }
    if (deps.killSwitchOn?.() === true) return;
    await run(exchange, result);
  };

  const waitForExchange = (early: EarlyRun, ms: number): Promise<ObservedExchange | undefined> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => finish(undefined), Math.max(0, ms));
      const finish = (exchange: ObservedExchange | undefined): void => {
        clearTimeout(timer);
        early.deliver = undefined;
        resolve(exchange);
      };
      early.deliver = finish;
    });

  const run = async (exchange: ObservedExchange, early?: EarlyResult): Promise<void> => {
    const route = exchange.match.route;
    const settings = settingsOf(route);
    const method = exchange.request.method.toUpperCase();
    const safe = SAFE_METHODS.has(method);
    const servedMs = exchange.durationMs;
    const servedLatency = exchange.served === 'legacy' ? { legacyMs: servedMs } : { newMs: servedMs };

    if (exchange.fellBack) {
      record(
        route,
        'error',
        servedLatency,
        {},
        {
          code: 'fallback',
          detail: 'new handler failed on the serving path; legacy served',
        },
      );
      return;
    }
    if (exchange.served === 'new' && !safe) return;
    if (exchange.request.body.kind === 'over-cap' || exchange.response.body.kind === 'over-cap') {
      record(
        route,
        'skipped',
        servedLatency,
        {},
        { code: 'capture-limit', detail: 'body over the capture limit' },
      );
      return;
    }
    if (!exchange.response.complete) {
      record(
        route,
        'skipped',
        servedLatency,
        {},
        {
          code: 'incomplete-response',
          detail: 'response broke off before it finished',
        },
      );
      return;
    }
    const rules = rulesFor(route);
    if (rules === undefined) {
      record(
        route,
        'error',
        servedLatency,
        {},
        { code: 'invalid-rules', detail: 'invalid comparison rules' },
      );
      return;
    }

    const request = capturedRequest(exchange);
    const servedHeaders = outgoingHeaders(exchange.response.headers);
    const servedBody = await decodeBody(
      servedHeaders,
      bodyBytes(exchange.response.body),
      settings.captureLimitBytes,
    );
    if (!servedBody.ok) {
      record(
        route,
        'skipped',
        servedLatency,
        {},
        {
          code: servedBody.reason === 'over-cap' ? 'capture-limit' : servedBody.reason,
          detail: `served body: ${servedBody.reason}`,
        },
      );
      return;
    }
    const served: CapturedResponse = {
      status: exchange.response.status,
      headers: servedHeaders,
      body: servedBody.body,
    };

    // The other side.
    const started = performance.now();
    let other: CapturedResponse;
    let otherMs: number;
    if (early !== undefined && exchange.served === 'legacy') {
      if (!early.ok) {
        record(route, 'error', { ...servedLatency, newMs: early.ms }, {}, failure('new', early.error));
        return;
      }
      other = early.response;
      otherMs = early.ms;
    } else {
      try {
        other =
          exchange.served === 'legacy'
            ? await callNew(route, exchange.match.params, request, !safe, settings)
            : await callLegacyBounded(request, settings);
      } catch (error: unknown) {
        const elapsed = performance.now() - started;
        const otherLatency = exchange.served === 'legacy' ? { newMs: elapsed } : { legacyMs: elapsed };
        record(
          route,
          'error',
          { ...servedLatency, ...otherLatency },
          {},
          failure(exchange.served === 'legacy' ? 'new' : 'legacy', error),
        );
        return;
      }
      otherMs = performance.now() - started;
    }
    if (other.truncated === true) {
      record(
        route,
        'skipped',
        servedLatency,
        {},
        {
          code: 'capture-limit',
          detail: 'shadow response over the capture limit',
        },
      );
      return;
    }
    const latency =
      exchange.served === 'legacy'
        ? { legacyMs: servedMs, newMs: otherMs }
        : { legacyMs: otherMs, newMs: servedMs };
    const legacy = exchange.served === 'legacy' ? served : other;
    const candidate = exchange.served === 'legacy' ? other : served;

    if (safe && wantsNoiseSample(route.id)) await learnNoise(route, request, legacy, rules, settings);

    try {
      const result = await comparer.compare(legacy, candidate, rules);
      noise.observeRaw(route.id, result.differences);
      if (result.equal) {
        record(route, 'match', latency);
        return;
      }
      const { real: differing, noise: noisy } = noise.classify(route.id, result.differences);
      if (differing.length === 0) {
        record(route, 'noise', latency);
        return;
      }
      const real = unacceptedDifferences(deps.acceptedDifferences?.(route.id), differing);
      if (real.length === 0) {
        record(route, 'match', latency);
        return;
      }
      const fingerprint = fingerprintOf(real);
      const personalData = rules.redactPaths;
      // Redacting means parsing and re-serialising both bodies: only for a sample that will be kept.
      const keepSample = deps.writer.wantsSample?.(route.id, fingerprint) ?? true;
      record(route, 'mismatch', latency, {
        group: {
          fingerprint,
          paths: groupPaths(real),
          ...(keepSample
            ? {
                sample: {
                  capturedAt: now(),
                  request: redactor.request(request, personalData, redactedSegmentsOf(route)),
                  legacy: redactor.response(legacy, personalData),
                  candidate: redactor.response(candidate, personalData),
                  diffs: redactor.differences(real, personalData),
                  noise: redactor.differences(noisy, personalData),
                },
              }
            : {}),
        },
      });
    } catch (error: unknown) {
      // A pathological body (or a bug) costs this comparison only.
      record(
        route,
        'error',
        latency,
        {},
        {
          code: 'compare-failed',
          detail: `comparison failed: ${describe(error)}`,
        },
      );
    }
  };

  const wantsNoiseSample = (routeId: string): boolean => {
    const seen = noiseSamplesSeen.get(routeId) ?? 0;
    if (seen < noiseWarmup) {
      noiseSamplesSeen.set(routeId, seen + 1);
      return true;
    }
    if (!(random() < noiseSampleRate)) return false;
    const second = Math.floor(now().getTime() / 1000);
    let budget = noiseBudgets.get(routeId);
    if (budget === undefined) noiseBudgets.set(routeId, (budget = { second, spent: 0 }));
    if (budget.second !== second) {
      budget.second = second;
      budget.spent = 0;
    }
    if (budget.spent >= noiseMaxPerSecond) return false;
    budget.spent += 1;
    return true;
  };

  const learnNoise = async (
    route: RouteRecord,
    request: CapturedRequest,
    legacy: CapturedResponse,
    rules: CompiledCompareRules,
    settings: ShadowDefaults,
  ): Promise<void> => {
    try {
      const again = await callLegacyBounded(request, settings);
      if (again.truncated === true) return;
      noise.observeNoise(route.id, (await comparer.compare(legacy, again, rules)).differences);
    } catch (error: unknown) {
      // A failed second call teaches nothing about noise; the comparison itself goes on.
      logger.debug('shadow noise sample failed', { route: route.id, error: errorDetails(error) });
    }
  };

  const callLegacyBounded = async (
    request: CapturedRequest,
    settings: ShadowDefaults,
  ): Promise<CapturedResponse> => {
    const response = await withTimeout(
      settings.timeoutMs,
      (signal) => deps.callLegacy(request, { signal, limitBytes: settings.captureLimitBytes }),
      overdueCalls,
    );
    const decoded = await decodeBody(response.headers, response.body, settings.captureLimitBytes);
    if (!decoded.ok) {
      if (decoded.reason === 'over-cap') return { ...response, body: Buffer.alloc(0), truncated: true };
      throw new Error(`legacy body: ${decoded.reason}`);
    }
    return { ...response, body: decoded.body };
  };

  const callNew = async (
    route: RouteRecord,
    params: RouteMatch['params'],
    request: CapturedRequest,
    dryRun: boolean,
    settings: ShadowDefaults,
  ): Promise<CapturedResponse> => {
    const response = await withTimeout(
      settings.timeoutMs,
      (signal) =>
        route.handler({
          method: request.method,
          path: request.path,
          params,
          query: new URLSearchParams(request.query),
          headers: request.headers,
          body: request.body,
          requestId: request.requestId,
          signal,
          dryRun,
        }),
      overdueCalls,
    );
    return handlerResponse(response, settings.captureLimitBytes);
  };

  return {
    captureLimit,
    onRequest,
    onExchange,
    idle() {
      if (active === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      closed = true;
      queue.length = 0;
      metrics.shadowQueueDepth.set(0);
      deps.onPendingChange?.(active);
      // Dry runs started early stop waiting for exchanges that will no longer be taken.
      const waiting = [...earlyRuns.values()];
      earlyRuns.clear();
      declined.clear();
      for (const early of waiting) early.deliver?.(undefined);
      if (active === 0) return;
      await new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}

/** Validates every route's comparison rules at startup, all problems at once (empty when all are fine). */
export function shadowRuleProblems(routes: readonly RouteRecord[]): string[] {
  const problems: string[] = [];
  for (const route of routes) {
    try {
      compileCompareRules(route.shadow?.compare);
    } catch (error: unknown) {
      const list = (error as { problems?: unknown }).problems;
      if (Array.isArray(list)) for (const p of list) problems.push(`route ${route.id}: ${String(p)}`);
      else problems.push(`route ${route.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return problems;
}

class ShadowTimeoutError extends Error {
  override readonly name = 'ShadowTimeoutError';
}

/** Told when a call outlives its timeout, and when such a call finally settles. */
interface OverdueCalls {
  begin(): void;
  end(): void;
}

/**
 * Aborts the call's signal at the timeout and stops waiting for it even if it ignores the signal, so
 * the comparison is recorded as a timeout at once; `overdue` hears of a call still running after that.
 */
function withTimeout<T>(
  ms: number,
  call: (signal: AbortSignal) => Promise<T>,
  overdue: OverdueCalls,
): Promise<T> {
  // One timer and no Promise.race over a second promise for the timeout (this runs for every shadowed
  // request, and all of it is garbage for the young generation to sweep).
  const controller = new AbortController();
  let timedOut = false;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      timedOut = true;
      overdue.begin();
      const error = new ShadowTimeoutError(`shadow call timed out after ${ms} ms`);
      controller.abort(error);
      reject(error);
    }, ms);
    const settle = {
      value: (value: T) => {
        clearTimeout(timer);
        if (timedOut) overdue.end();
        resolve(value);
      },
      error: (error: unknown) => {
        clearTimeout(timer);
        if (timedOut) overdue.end();
        reject(error);
      },
    };
    // Called from a microtask, never inside the caller's stack (the proxy's, for an early dry run); a
    // handler that throws synchronously, or returns a plain value, settles like an async one.
    Promise.resolve()
      .then(() => call(controller.signal))
      .then(settle.value, settle.error);
  });
}

/** The stored reason of a shadow side that failed, with the error as the logged detail. */
function failure(side: 'new' | 'legacy', error: unknown): { code: ShadowReason; detail: string } {
  const code: ShadowReason =
    error instanceof ShadowTimeoutError ? 'timeout' : side === 'new' ? 'new-failed' : 'legacy-failed';
  return { code, detail: describe(error) };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string'
      ? `${error.name} ${code}: ${error.message}`
      : `${error.name}: ${error.message}`;
  }
  return String(error);
}

function bodyBytes(body: CapturedBody): Buffer {
  return body.kind === 'captured' ? body.bytes : Buffer.alloc(0);
}

function capturedRequest(exchange: Pick<ObservedExchange, 'request' | 'requestId'>): CapturedRequest {
  const url = exchange.request.url;
  const q = url.indexOf('?');
  return {
    method: exchange.request.method.toUpperCase(),
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? '' : url.slice(q + 1),
    headers: exchange.request.headers,
    body: bodyBytes(exchange.request.body),
    requestId: exchange.requestId,
    ...(exchange.request.client === undefined ? {} : { client: exchange.request.client }),
  };
}

function outgoingHeaders(headers: OutgoingHttpHeaders): CapturedHeaders {
  const out: Record<string, string | readonly string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    out[name.toLowerCase()] = typeof value === 'number' ? String(value) : value;
  }
  return out;
}

function handlerResponse(response: HandlerResponse, limitBytes: number): CapturedResponse {
  const headers: Record<string, string | readonly string[]> = {};
  const given = response.headers ?? {};
  for (const name in given) headers[name.toLowerCase()] = given[name] as string | readonly string[];
  const body =
    response.body === undefined
      ? Buffer.alloc(0)
      : typeof response.body === 'string'
        ? Buffer.from(response.body, 'utf8')
        : response.body;
  return body.length > limitBytes
    ? { status: response.status, headers, body: Buffer.alloc(0), truncated: true }
    : { status: response.status, headers, body };
}

/** A diff group's differing locations: kind and path, array positions as `[*]`, sorted, once each. */
export function groupPaths(differences: readonly Difference[]): { path: string; kind: string }[] {
  const seen = new Map<string, { path: string; kind: string }>();
  for (const d of differences) {
    const path = collapseFormattedPath(d.path);
    seen.set(`${d.kind} ${path}`, { path, kind: d.kind });
  }
  return [...seen.values()].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : a.kind < b.kind ? -1 : 1,
  );
}
