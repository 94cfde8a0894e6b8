import type { ServerResponse } from 'node:http';

import { lingerOnClose } from './lingering-close.ts';
import { sendGatewayProblem } from './problem-response.ts';

/** BODY_BUDGET_BYTES' default: what one replica may hold of request and captured bodies at once. */
export const DEFAULT_BODY_BUDGET_BYTES = 128 * 1024 * 1024;

/**
 * The process-wide in-flight body budget: every buffer a request holds in memory (a body received
 * before legacy is called, a new handler's body, a shadow capture) takes its bytes from here first and
 * gives them back when the exchange ends. Over it a request is refused (503) rather than spooled to
 * disk: the bodies are customers' health data, which must not land unencrypted on a replica's disk,
 * and a load balancer retries a 503 on a replica with room.
 */
export class BodyBudget {
  readonly limitBytes: number;
  #held = 0;

  constructor(limitBytes: number) {
    this.limitBytes = limitBytes;
  }

  /** Bytes held now by every in-flight body. */
  get held(): number {
    return this.#held;
  }

  /** Takes `bytes` if they fit; false (and nothing taken) if they would go over the budget. */
  take(bytes: number): boolean {
    if (this.#held + bytes > this.limitBytes) return false;
    this.#held += bytes;
    return true;
  }

  release(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes);
  }
}

/** Seconds a refused client is asked to wait: bodies in flight usually finish well within it. */
const RETRY_AFTER_SECONDS = 5;

/**
 * 503 with Retry-After for a body the budget cannot hold. The connection closes: the rest of the body
 * is not read, and reading it only to throw it away is the work the budget sheds.
 */
export function sendOverBudget(res: ServerResponse, requestId: string): void {
  sendRefusal(res, RETRY_AFTER_SECONDS, {
    status: 503,
    title: 'Service Unavailable',
    detail: 'The proxy holds as many request bodies as it may; retry shortly.',
    requestId,
  });
}

/** A problem answered before the body was read: Retry-After set, the connection closed after it. */
export function sendRefusal(
  res: ServerResponse,
  retryAfterSeconds: number,
  problem: { status: number; title: string; detail: string; requestId: string },
): void {
  if (!res.headersSent) {
    lingerOnClose(res);
    res.shouldKeepAlive = false;
  }
  sendGatewayProblem(res, problem, { 'retry-after': String(retryAfterSeconds), connection: 'close' });
}
