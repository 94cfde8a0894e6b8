import type { RouteMatch, RouteRecord } from '../../routing/route.ts';
import { SYNC_ENTITIES } from '../../sync/sync-entities.ts';
import type { CapturedRequest } from '../captured-exchange.ts';
import type { ComparisonResult } from '../compare/compare-exchanges.ts';
import type { CompiledCompareRules } from '../compare/compare-rules.ts';
import type { Comparer } from '../compare/off-thread-comparer.ts';
import type { ShadowCalls } from './call.ts';
import type { Classify, ComparedExchange } from './classify.ts';
import type { Latency, RecordResult } from './record.ts';
import type { ShadowDefaults } from './sample.ts';
import type { SyncWatch } from './sync-watch.ts';

/**
 * The sync's audit stamps a change with its batch's start, which may precede the served request by as
 * long as a batch takes: the window reaches that much further back.
 */
const POLL_SLACK_MS = 2_000;

/** A safe request whose comparison found a real difference, for a second look. */
export interface RecheckInput {
  readonly route: RouteRecord;
  readonly params: RouteMatch['params'];
  readonly request: CapturedRequest;
  readonly settings: ShadowDefaults;
  readonly rules: CompiledCompareRules;
  /** How long ago the served request began: the window in which the sync may have been behind. */
  readonly sinceMs: number;
}

/** Both sides called again, once the sync has caught up, and compared. */
export interface Rechecked {
  readonly compared: ComparedExchange;
  readonly latency: Latency;
  readonly result: ComparisonResult;
}

/**
 * Undefined when the sync moved nothing of the route's tables in the window (the first comparison
 * stands), or when a second call failed or was over the cap (it stands too: no evidence either way).
 */
export type SyncRecheck = (input: RecheckInput) => Promise<Rechecked | undefined>;

/**
 * Before a mismatch of a read counts, waits for the dual-write sync to pass the moment it was seen and,
 * when the sync carried a change of the route's tables meanwhile, calls both sides once more: legacy
 * may have answered from a row PostgreSQL did not have yet (or the reverse). The tables are the route's
 * `shadow.syncTables`, or every synced table when it names none.
 */
export function createSyncRecheck(deps: {
  readonly watch: SyncWatch;
  readonly calls: ShadowCalls;
  readonly comparer: Comparer;
}): SyncRecheck {
  const everyTable = SYNC_ENTITIES.map((e) => e.name);
  return async ({ route, params, request, settings, rules, sinceMs }) => {
    const tables = route.shadow?.syncTables ?? everyTable;
    if (!(await deps.watch.settle(tables, sinceMs + POLL_SLACK_MS))) return undefined;
    const timed = async <T>(call: () => Promise<T>): Promise<{ value: T; ms: number }> => {
      const started = performance.now();
      const value = await call();
      return { value, ms: performance.now() - started };
    };
    const [legacy, candidate] = await Promise.all([
      timed(() => deps.calls.legacy(request, settings)),
      timed(() => deps.calls.newHandler(route, params, request, false, settings)),
    ]);
    if (legacy.value.truncated === true || candidate.value.response.truncated === true) return undefined;
    const compared = {
      request,
      legacy: legacy.value,
      candidate: candidate.value.response,
      caller: candidate.value.caller,
    };
    return {
      compared,
      latency: { legacyMs: legacy.ms, newMs: candidate.ms },
      result: await deps.comparer.compare(compared.legacy, compared.candidate, rules),
    };
  };
}

/** Classifies a read's comparison, a real mismatch only once the sync could not explain it. */
export type ClassifyAfterSync = (
  input: RecheckInput,
  compared: ComparedExchange,
  latency: Latency,
  result: ComparisonResult,
) => Promise<void>;

/**
 * A mismatch that the sync explains (both sides agree once it has caught up) is recorded as `sync-lag`,
 * with the first comparison's latency; one that persists is recorded from the second comparison, the
 * newer evidence. When the second look fails the first comparison stands.
 */
export function createClassifyAfterSync(deps: {
  readonly recheck: SyncRecheck;
  readonly classify: Classify;
  readonly record: RecordResult;
  /** Whether differences are a real mismatch (not noise, not accepted) for the route. */
  readonly isMismatch: (routeId: string, result: ComparisonResult) => boolean;
}): ClassifyAfterSync {
  const { recheck, classify, record, isMismatch } = deps;
  return async (input, compared, latency, result) => {
    const { route, rules } = input;
    if (!isMismatch(route.id, result)) {
      classify(route, compared, rules, latency, result);
      return;
    }
    const second = await recheck(input).catch(() => undefined);
    if (second === undefined) classify(route, compared, rules, latency, result);
    else if (isMismatch(route.id, second.result))
      classify(route, second.compared, rules, second.latency, second.result);
    else record(route, 'sync-lag', latency);
  };
}
