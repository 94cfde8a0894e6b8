import type { ObservedExchange } from '../../proxy/exchange-observer.ts';
import { inRootSpan } from '../../observability/tracing.ts';
import { SAFE_METHODS, type RouteRecord } from '../../routing/route.ts';
import type { CapturedRequest, CapturedResponse } from '../captured-exchange.ts';
import type { Comparer } from '../compare/off-thread-comparer.ts';
import { decodeBody } from '../decode-body.ts';
import { describe, failure, type NewSideAnswer, type ShadowCalls } from './call.ts';
import { bodyBytes, capturedRequest, outgoingHeaders } from './captured.ts';
import type { Classify } from './classify.ts';
import type { NoiseSampling } from './noise-sampling.ts';
import type { Latency, Reason, RecordResult } from './record.ts';
import type { RulesFor } from './rules.ts';
import type { ShadowDefaults } from './sample.ts';
import type { ClassifyAfterSync } from './sync-recheck.ts';

/** The new side's answer, obtained before the exchange it belongs to finished (early-dry-run.ts). */
export type EarlyResult =
  | ({ readonly ok: true; readonly ms: number } & NewSideAnswer)
  | { readonly ok: false; readonly error: unknown; readonly ms: number };

/** Compares one finished exchange with the other side's answer and records the outcome. */
export type RunExchange = (exchange: ObservedExchange, early?: EarlyResult) => Promise<void>;

export interface RunExchangeDeps {
  readonly settingsOf: (route: RouteRecord) => ShadowDefaults;
  readonly rulesFor: RulesFor;
  readonly calls: ShadowCalls;
  readonly noiseSampling: NoiseSampling;
  readonly comparer: Comparer;
  readonly classify: Classify;
  readonly record: RecordResult;
  /** Given when the dual-write sync runs: a read's mismatch is first checked against its lag. */
  readonly classifyAfterSync?: ClassifyAfterSync | undefined;
}

const FALLBACK: Reason = {
  code: 'fallback',
  detail: 'new handler failed on the serving path; legacy served',
};
const BODY_OVER_CAP: Reason = { code: 'capture-limit', detail: 'body over the capture limit' };
const INCOMPLETE: Reason = { code: 'incomplete-response', detail: 'response broke off before it finished' };
const INVALID_RULES: Reason = { code: 'invalid-rules', detail: 'invalid comparison rules' };
const SHADOW_OVER_CAP: Reason = { code: 'capture-limit', detail: 'shadow response over the capture limit' };

/**
 * One exchange, in order: screen what cannot be compared, call the other side (or take the early dry
 * run's answer), learn noise now and then, compare, classify. Every way out records exactly one outcome,
 * except an unsafe method served by new, which legacy must never see twice.
 */
export function createRunExchange(deps: RunExchangeDeps): RunExchange {
  const { settingsOf, rulesFor, noiseSampling, comparer, classify, record } = deps;

  const compare: RunExchange = async (exchange, early) => {
    const started = performance.now();
    const route = exchange.match.route;
    const settings = settingsOf(route);
    const safe = SAFE_METHODS.has(exchange.request.method.toUpperCase());
    const servedMs = exchange.durationMs;
    const servedLatency = exchange.served === 'legacy' ? { legacyMs: servedMs } : { newMs: servedMs };
    if (screenedOut(record, exchange, route, safe, servedLatency)) return;
    const rules = rulesFor(route);
    if (rules === undefined) {
      record(route, 'error', servedLatency, {}, INVALID_RULES);
      return;
    }
    const request = capturedRequest(exchange);
    const served = await decodedServed(exchange, settings.captureLimitBytes);
    if (!('status' in served)) {
      record(route, 'skipped', servedLatency, {}, served);
      return;
    }
    const answer = await otherSide(deps, { exchange, early, request, settings, safe, servedLatency });
    if (answer === undefined) return;
    const { response: other, ms: otherMs, caller } = answer;
    if (other.truncated === true) {
      record(route, 'skipped', servedLatency, {}, SHADOW_OVER_CAP);
      return;
    }
    const servedLegacy = exchange.served === 'legacy';
    const latency = servedLegacy
      ? { legacyMs: servedMs, newMs: otherMs }
      : { legacyMs: otherMs, newMs: servedMs };
    const legacy = servedLegacy ? served : other;
    const candidate = servedLegacy ? other : served;

    if (safe && noiseSampling.wants(route.id))
      await noiseSampling.learn(route, request, legacy, rules, settings);

    try {
      const result = await comparer.compare(legacy, candidate, rules);
      const compared = { request, legacy, candidate, caller };
      if (safe && deps.classifyAfterSync !== undefined) {
        const { params } = exchange.match;
        const sinceMs = performance.now() - started + servedMs;
        const input = { route, params, request, settings, rules, sinceMs };
        await deps.classifyAfterSync(input, compared, latency, result);
      } else classify(route, compared, rules, latency, result);
    } catch (error: unknown) {
      // A pathological body (or a bug) costs this comparison only.
      const reason = { code: 'compare-failed' as const, detail: `comparison failed: ${describe(error)}` };
      record(route, 'error', latency, {}, reason);
    }
  };
  // A root span of its own, linked to the request's: the comparison runs after the client has its
  // answer, on another thread, and must not stretch the request's trace.
  return (exchange, early) =>
    inRootSpan(
      'shadow compare',
      { linkTo: exchange.traceparent, attributes: { 'strangler.route': exchange.match.route.id } },
      () => compare(exchange, early),
    );
}

/** The served response with its body decoded, or why it cannot be compared. */
async function decodedServed(exchange: ObservedExchange, limit: number): Promise<CapturedResponse | Reason> {
  const headers = outgoingHeaders(exchange.response.headers);
  const body = await decodeBody(headers, bodyBytes(exchange.response.body), limit);
  if (!body.ok) return undecodable(body.reason);
  return { status: exchange.response.status, headers, body: body.body };
}

/**
 * The side that did not serve: the early dry run's answer, or a call now (new with a dry run for an
 * unsafe method). Undefined when it failed, which is recorded here. The caller is whom the new side
 * ran for: verified on this side when legacy served, by the proxy when new did.
 */
async function otherSide(
  deps: Pick<RunExchangeDeps, 'calls' | 'record'>,
  input: {
    readonly exchange: ObservedExchange;
    readonly early: EarlyResult | undefined;
    readonly request: CapturedRequest;
    readonly settings: ShadowDefaults;
    readonly safe: boolean;
    readonly servedLatency: Latency;
  },
): Promise<(NewSideAnswer & { readonly ms: number }) | undefined> {
  const { exchange, early, request, settings, servedLatency } = input;
  const route = exchange.match.route;
  if (early !== undefined && exchange.served === 'legacy') {
    if (early.ok) return early;
    deps.record(route, 'error', { ...servedLatency, newMs: early.ms }, {}, failure('new', early.error));
    return undefined;
  }
  const started = performance.now();
  try {
    const answer =
      exchange.served === 'legacy'
        ? await deps.calls.newHandler(route, exchange.match.params, request, !input.safe, settings)
        : { response: await deps.calls.legacy(request, settings), caller: exchange.caller };
    return { ...answer, ms: performance.now() - started };
  } catch (error: unknown) {
    const elapsed = performance.now() - started;
    recordCallFailure(deps.record, route, exchange.served, servedLatency, elapsed, error);
    return undefined;
  }
}

/** Records why the exchange cannot be compared; false when it can. */
function screenedOut(
  record: RecordResult,
  exchange: ObservedExchange,
  route: RouteRecord,
  safe: boolean,
  servedLatency: Latency,
): boolean {
  if (exchange.fellBack) {
    record(route, 'error', servedLatency, {}, FALLBACK);
    return true;
  }
  if (exchange.served === 'new' && !safe) return true;
  if (exchange.request.body.kind === 'over-cap' || exchange.response.body.kind === 'over-cap') {
    record(route, 'skipped', servedLatency, {}, BODY_OVER_CAP);
    return true;
  }
  if (!exchange.response.complete) {
    record(route, 'skipped', servedLatency, {}, INCOMPLETE);
    return true;
  }
  return false;
}

/** Why a served body that could not be decoded is skipped. */
function undecodable(reason: 'over-cap' | 'unsupported-encoding' | 'corrupt-encoding'): Reason {
  return { code: reason === 'over-cap' ? 'capture-limit' : reason, detail: `served body: ${reason}` };
}

/** The other side threw or timed out: an error, with both sides' times. */
function recordCallFailure(
  record: RecordResult,
  route: RouteRecord,
  servedBy: ObservedExchange['served'],
  servedLatency: Latency,
  elapsed: number,
  error: unknown,
): void {
  const otherSide = servedBy === 'legacy' ? 'new' : 'legacy';
  const otherLatency = otherSide === 'new' ? { newMs: elapsed } : { legacyMs: elapsed };
  record(route, 'error', { ...servedLatency, ...otherLatency }, {}, failure(otherSide, error));
}
