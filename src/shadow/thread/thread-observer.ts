import type { ModeDecision } from '../../../flags/flag-resolver.ts';
import type { ObservedExchange, ObservedRequest } from '../../proxy/exchange-observer.ts';
import type { RouteMatch } from '../../routing/route.ts';
import {
  DEFAULT_SHADOW_SETTINGS,
  sampledCaptureLimit,
  startsEarlyDryRun,
  type ShadowRunner,
} from '../shadow-runner.ts';
import type { ShadowMetrics } from '../start-shadow.ts';
import type { DroppedTally } from '../store/dropped-tally.ts';
import type { ThreadHost } from './thread-host.ts';
import { exchangeToWire, requestToWire } from './wire.ts';

export interface ThreadObserverDeps {
  readonly host: ThreadHost;
  readonly metrics: ShadowMetrics;
  /** Calls running or queued plus messages in flight at which capturing stops. */
  readonly bound: number;
  readonly killSwitchOn: (() => boolean) | undefined;
  readonly random: () => number;
  /** Where requests left uncompared here are counted for the shadow thread's writer. */
  readonly dropped: DroppedTally;
}

const ANNOUNCED_MEMORY = 4096;

/**
 * The proxy's `ExchangeObserver` with the shadow thread behind it: decides the sample, stops capturing
 * when the thread is behind, and posts copies of what was captured.
 */
export function createThreadObserver(deps: ThreadObserverDeps): ShadowRunner {
  const { host, metrics } = deps;
  // Which thread each announced write went to (see onExchange); bounded like the runner's memory of them.
  const announced = new Map<number, number>();
  const killSwitch = (): boolean => deps.killSwitchOn?.() === true;

  /** Its dry run started on a thread that has died since: a late one on the new thread would race the sync. */
  const announcedToDeadThread = (id: number | undefined): boolean => {
    const announcedTo = id === undefined ? undefined : announced.get(id);
    if (id === undefined || announcedTo === undefined) return false;
    announced.delete(id);
    return announcedTo !== host.generation;
  };

  return {
    captureLimit(match: RouteMatch, decision: ModeDecision): number | undefined {
      if (host.closed || killSwitch()) return undefined;
      const limit = sampledCaptureLimit(match.route, decision, DEFAULT_SHADOW_SETTINGS, deps.random);
      if (limit === undefined) return undefined;
      if (limit === 'unsampled') {
        deps.dropped.count(match.route.id, 'sample-rate');
        return undefined;
      }
      if (host.worker === undefined) {
        metrics.shadowDropped.inc({ reason: 'thread_restarting' });
        deps.dropped.count(match.route.id, 'thread-restarting');
        return undefined;
      }
      if (host.backlog() >= deps.bound) {
        // Dropped before any byte is captured, as the in-process runner does when it is full.
        metrics.shadowDropped.inc({ reason: 'queue_full' });
        deps.dropped.count(match.route.id, 'queue-full');
        return undefined;
      }
      return limit;
    },
    onRequest(request: ObservedRequest): void {
      if (host.closed || host.worker === undefined || !startsEarlyDryRun(request)) return;
      const transfer: ArrayBuffer[] = [];
      const wire = requestToWire(request, transfer);
      announced.set(request.observationId, host.generation);
      if (announced.size > ANNOUNCED_MEMORY) announced.delete(announced.keys().next().value as number);
      host.post({ type: 'request', killSwitch: killSwitch(), request: wire }, transfer);
    },
    onExchange(exchange: ObservedExchange): void {
      if (host.closed || host.worker === undefined) return;
      if (announcedToDeadThread(exchange.observationId)) {
        // This write goes uncompared.
        metrics.shadowDropped.inc({ reason: 'thread_restarting' });
        deps.dropped.count(exchange.match.route.id, 'thread-restarting');
        return;
      }
      const transfer: ArrayBuffer[] = [];
      const wire = exchangeToWire(exchange, transfer);
      host.post({ type: 'exchange', killSwitch: killSwitch(), exchange: wire }, transfer);
    },
    idle: () => host.call('idle'),
    close: () => host.close(),
  };
}
