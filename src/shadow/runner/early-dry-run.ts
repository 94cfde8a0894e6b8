import type { ObservedExchange, ObservedRequest } from '../../proxy/exchange-observer.ts';
import type { RouteRecord } from '../../routing/route.ts';
import type { ShadowCalls } from './call.ts';
import { capturedRequest } from './captured.ts';
import type { Reason, RecordResult } from './record.ts';
import type { EarlyResult, RunExchange } from './run-exchange.ts';
import { startsEarlyDryRun, type ShadowDefaults } from './sample.ts';
import type { Schedule } from './schedule.ts';

/** A dry run started from `onRequest`, waiting for its exchange. */
export interface EarlyRun {
  exchange: ObservedExchange | undefined;
  /** Set while the run waits: hands over the exchange, or undefined to give up. */
  deliver: ((exchange: ObservedExchange | undefined) => void) | undefined;
}

/** What the schedule runs: a finished exchange, or a dry run started before its exchange finished. */
export type ShadowJob =
  | { readonly kind: 'exchange'; readonly exchange: ObservedExchange }
  | { readonly kind: 'early'; readonly request: ObservedRequest; readonly run: EarlyRun };

export interface EarlyDryRunDeps {
  readonly schedule: Pick<Schedule<ShadowJob>, 'admit' | 'isClosed'>;
  readonly calls: Pick<ShadowCalls, 'newHandler'>;
  readonly runExchange: RunExchange;
  readonly record: RecordResult;
  readonly settingsOf: (route: RouteRecord) => ShadowDefaults;
  readonly killSwitchOn: (() => boolean) | undefined;
  /** How long a started dry run waits for its exchange before it gives up and frees its slot. */
  readonly exchangeWaitMs: number;
}

/**
 * The dry runs of writes served by legacy, started when the request has reached legacy (see
 * shadow-runner.ts for why) and joined with their exchange by `observationId`.
 */
export interface EarlyDryRuns {
  /** The observer's `onRequest`: starts the dry run, or remembers that it was not started. */
  onRequest(announced: ObservedRequest): void;
  /** True when the exchange was announced: handed to its dry run, or left alone on purpose. */
  claim(exchange: ObservedExchange): boolean;
  /** The job of a started dry run: call new, wait for the exchange, compare. */
  run(announced: ObservedRequest, early: EarlyRun): Promise<void>;
  /** On close: every waiting dry run stops waiting. */
  cancelAll(): void;
}

/** Announced requests left alone (kill switch, full, gave up waiting) whose exchange has not come yet. */
const DECLINED_MEMORY = 4096;

const SHUTDOWN: Reason = { code: 'shutdown', detail: 'shutting down before the exchange finished' };
const LOST: Reason = { code: 'exchange-lost', detail: 'the served exchange never finished' };

export function createEarlyDryRuns(deps: EarlyDryRunDeps): EarlyDryRuns {
  const { schedule, calls, runExchange, record, settingsOf, killSwitchOn, exchangeWaitMs } = deps;
  const earlyRuns = new Map<number, EarlyRun>();
  const declined = new Set<number>();

  const decline = (observationId: number): void => {
    declined.add(observationId);
    // Every announced request is followed by its exchange; this only bounds a misbehaving caller.
    if (declined.size > DECLINED_MEMORY) declined.delete(declined.values().next().value as number);
  };

  return {
    onRequest(announced) {
      // Over the cap there is nothing to replay; the exchange is recorded as skipped.
      if (schedule.isClosed() || !startsEarlyDryRun(announced)) return;
      if (killSwitchOn?.() === true) {
        decline(announced.observationId);
        return;
      }
      const early: EarlyRun = { exchange: undefined, deliver: undefined };
      earlyRuns.set(announced.observationId, early);
      if (!schedule.admit({ kind: 'early', request: announced, run: early })) {
        earlyRuns.delete(announced.observationId);
        decline(announced.observationId);
      }
    },
    claim(exchange) {
      const id = exchange.observationId;
      if (id === undefined) return false;
      const early = earlyRuns.get(id);
      if (early !== undefined) {
        earlyRuns.delete(id);
        early.exchange = exchange;
        early.deliver?.(exchange);
        return true;
      }
      // Its dry run was not started early on purpose; a late one would race the sync.
      return declined.delete(id);
    },
    async run(announced, early) {
      const route = announced.match.route;
      const settings = settingsOf(route);
      const started = performance.now();
      let result: EarlyResult;
      try {
        const request = capturedRequest(announced);
        const answer = await calls.newHandler(route, announced.match.params, request, true, settings);
        result = { ok: true, ...answer, ms: performance.now() - started };
      } catch (error: unknown) {
        result = { ok: false, error, ms: performance.now() - started };
      }
      const exchange =
        early.exchange ??
        (schedule.isClosed()
          ? undefined
          : await waitForExchange(early, exchangeWaitMs - (performance.now() - started)));
      if (exchange === undefined) {
        if (earlyRuns.delete(announced.observationId)) decline(announced.observationId);
        const reason = schedule.isClosed() ? SHUTDOWN : LOST;
        record(route, 'skipped', { newMs: result.ms }, {}, reason);
        return;
      }
      if (killSwitchOn?.() === true) return;
      await runExchange(exchange, result);
    },
    cancelAll() {
      const waiting = [...earlyRuns.values()];
      earlyRuns.clear();
      declined.clear();
      for (const early of waiting) early.deliver?.(undefined);
    },
  };
}

/** The exchange once it is delivered, or undefined when `ms` have passed first (or the wait is given up). */
function waitForExchange(early: EarlyRun, ms: number): Promise<ObservedExchange | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(undefined), Math.max(0, ms));
    const finish = (exchange: ObservedExchange | undefined): void => {
      clearTimeout(timer);
      early.deliver = undefined;
      resolve(exchange);
    };
    early.deliver = finish;
  });
}
