/** How often requests on the sweep are checked: their 504 comes up to this late (timeouts of 2 s up). */
export const CONNECTION_WAIT_SWEEP_MS = 100;

/** A request on the sweep: where it sits in the sweep's list, and when it times out. */
export interface WaitingRequest {
  timedOut(): void;
  /** Its index in the sweep's list, -1 when not on it. */
  waitSlot: number;
  waitDeadline: number;
}

export interface ConnectionWaitSweep {
  watch(handler: WaitingRequest, timeoutMs: number): void;
  started(handler: WaitingRequest): void;
  close(): void;
}

/**
 * Requests of 2 s timeouts and up that undici has not started yet: waiting for a pooled connection (all
 * in use during a legacy brownout) or for a connect that hangs. undici's own timers only start once the
 * request is on the wire, so without this a route's timeout would not cover that wait. One list and one
 * interval for all of them (running only while some wait), not a timer per request; each request keeps
 * its own index in the list, so joining and leaving it are two array writes (a Map keyed by the handler
 * would give every handler object an identity hash, which measurably slowed the hot path).
 */
export function createConnectionWaitSweep(everyMs: number): ConnectionWaitSweep {
  const waiting: WaitingRequest[] = [];
  let timer: NodeJS.Timeout | undefined;
  const remove = (handler: WaitingRequest): void => {
    const slot = handler.waitSlot;
    if (slot < 0) return;
    const last = waiting.pop() as WaitingRequest;
    if (last !== handler) {
      waiting[slot] = last;
      last.waitSlot = slot;
    }
    handler.waitSlot = -1;
  };
  const sweep = (): void => {
    const now = Date.now();
    for (let i = waiting.length - 1; i >= 0; i--) {
      const handler = waiting[i] as WaitingRequest;
      if (handler.waitDeadline > now) continue;
      remove(handler);
      handler.timedOut();
    }
    if (waiting.length === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  return {
    watch(handler, timeoutMs) {
      handler.waitDeadline = Date.now() + timeoutMs;
      handler.waitSlot = waiting.push(handler) - 1;
      if (timer === undefined) {
        timer = setInterval(sweep, everyMs);
        timer.unref();
      }
    },
    started: remove,
    close() {
      for (const handler of waiting) handler.waitSlot = -1;
      waiting.length = 0;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
