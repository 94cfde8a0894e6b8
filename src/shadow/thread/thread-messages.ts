import type { MessagePort } from 'node:worker_threads';

import type { Logger } from '../../observability/logger.ts';
import { errorDetails } from '../../observability/logger.ts';
import type { RouteRecord } from '../../routing/route.ts';
import type { Shadow } from '../start-shadow.ts';
import { COUNTER_RECEIVED } from './shadow-thread-options.ts';
import { exchangeFromWire, requestFromWire, type FromShadowThread, type ToShadowThread } from './wire.ts';

export interface ThreadSide {
  readonly port: MessagePort;
  readonly shadow: Shadow;
  readonly counters: Int32Array;
  readonly logger: Logger;
  readonly routeOf: (routeId: string) => RouteRecord | undefined;
  /** The proxy's kill switch as the last message carried it. */
  readonly setKillSwitch: (on: boolean) => void;
  readonly reloadRules: () => Promise<void>;
  readonly flushMetrics: () => void;
  /** Closes what the thread opened besides the shadow side, once the shadow side is closed. */
  readonly closeResources: () => Promise<void>;
}

/** The shadow thread's answers to what the proxy's thread posts (shadow-thread.ts is the other side). */
export function serveShadowThreadMessages(side: ThreadSide): void {
  const { port, shadow, counters } = side;
  const send = (message: FromShadowThread): void => port.postMessage(message);

  /** Hands an observation to the runner; counted as received either way, freeing the proxy's bound. */
  const deliver = (killSwitch: boolean, routeId: string, observe: (route: RouteRecord) => void): void => {
    side.setKillSwitch(killSwitch);
    const route = side.routeOf(routeId);
    if (route !== undefined) observe(route);
    Atomics.add(counters, COUNTER_RECEIVED, 1);
  };

  const close = async (id: number): Promise<void> => {
    try {
      await shadow.close();
    } catch (error: unknown) {
      side.logger.warn('shadow did not close cleanly', { error: errorDetails(error) });
    }
    await side.closeResources();
    side.flushMetrics();
    send({ type: 'closed', id });
    port.close();
  };

  port.on('message', (message: ToShadowThread) => {
    switch (message.type) {
      case 'request':
        deliver(message.killSwitch, message.request.routeId, (route) =>
          shadow.observer.onRequest(requestFromWire(message.request, route)),
        );
        return;
      case 'exchange':
        deliver(message.killSwitch, message.exchange.routeId, (route) =>
          shadow.observer.onExchange(exchangeFromWire(message.exchange, route)),
        );
        return;
      case 'dropped':
        shadow.addDropped(message.counts);
        return;
      case 'rules-changed':
        void side.reloadRules().then(() => send({ type: 'rules-changed', id: message.id }));
        return;
      case 'idle':
        void shadow.observer.idle().then(() => {
          side.flushMetrics();
          send({ type: 'idle', id: message.id });
        });
        return;
      case 'close':
        void close(message.id);
        return;
    }
  });
}
