import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { ModeDecision } from '../../flags/flag-resolver.ts';
import type { Principal } from '../identity/principal.ts';
import type { RouteMatch, Target } from '../routing/route.ts';

/**
 * The hook shadow comparison plugs into: the public server tells an observer about each
 * matched request it served, after the client's response finished (and, for requests sent to legacy,
 * once more as soon as the request body has reached legacy: `onRequest`). The observer only ever sees
 * copies taken as the bytes flowed past (capped), so it can neither delay nor alter what the
 * client receives. Unmatched (catch-all) traffic is never observed.
 */
export type CapturedBody =
  | { readonly kind: 'captured'; readonly bytes: Buffer }
  /** More than the cap flowed past; `bytes` is how many, nothing was kept. */
  | { readonly kind: 'over-cap'; readonly bytes: number };

/**
 * The request alone, announced the moment its body has been completely received and handed on to
 * legacy (or at once when it has no body), before legacy can have acted on it. A shadow side that must
 * see the data as it was before the serving side wrote (a dry-run write racing the dual-write sync)
 * starts from here instead of waiting for the exchange.
 */
/** The client's side of the connection, as the proxy told legacy in X-Forwarded-For and -Proto. */
export interface ClientConnection {
  readonly address: string | undefined;
  readonly encrypted: boolean;
}

export interface ObservedRequest {
  /** Joins this announcement to the `onExchange` call for the same request (unique per process). */
  readonly observationId: number;
  readonly requestId: string;
  readonly match: RouteMatch;
  readonly decision: ModeDecision;
  /** The side the request was sent to (only legacy is announced today). */
  readonly serving: Target;
  readonly request: ObservedExchange['request'];
}

export interface ObservedExchange {
  /** Same value as the `ObservedRequest` announced for this request, if one was. */
  readonly observationId?: number;
  readonly requestId: string;
  readonly match: RouteMatch;
  readonly decision: ModeDecision;
  /** The side that produced the client's response (after any fallback). */
  readonly served: Target;
  /** True when the new handler failed and legacy served instead. */
  readonly fellBack: boolean;
  /** The request's server span as a W3C traceparent, for the comparison's link; undefined untraced. */
  readonly traceparent?: string | undefined;
  /** The caller the proxy verified (a route with a policy only): who, never the token. */
  readonly caller?: Pick<Principal, 'subject' | 'organisationId'>;
  readonly request: {
    readonly method: string;
    /** Path and query exactly as received. */
    readonly url: string;
    /** As received from the client (before hop-by-hop removal and X-Forwarded-*). */
    readonly headers: IncomingHttpHeaders;
    readonly body: CapturedBody;
    /** Where the request came from: what X-Forwarded-For/-Proto said to legacy about it. */
    readonly client?: ClientConnection;
  };
  /**
   * What the client was sent. `complete` is false when the exchange broke off (client gone, legacy
   * reset mid-body): the body is then a prefix.
   */
  readonly response: {
    readonly status: number;
    readonly headers: OutgoingHttpHeaders;
    readonly body: CapturedBody;
    readonly complete: boolean;
  };
  readonly durationMs: number;
}

export interface ExchangeObserver {
  /**
   * Called once per matched request before anything is read: the number of bytes of each body to
   * keep, or undefined to leave this exchange alone (sampling happens here, so unsampled traffic
   * pays nothing). Must be cheap; an exception is logged and treated as undefined.
   */
  captureLimit(match: RouteMatch, decision: ModeDecision): number | undefined;
  /**
   * Called when the request body has been completely received and sent on to legacy, before legacy's
   * response (not for requests the new handler serves, nor when the body broke off). Not awaited;
   * exceptions are logged. Always followed by `onExchange` with the same `observationId`.
   */
  onRequest?(request: ObservedRequest): void;
  /** Called after the response finished or broke off. Not awaited; exceptions are logged. */
  onExchange(exchange: ObservedExchange): void;
}

let lastObservationId = 0;

/** A process-wide sequence: request ids come from clients and need not be unique. */
export function nextObservationId(): number {
  lastObservationId = lastObservationId === Number.MAX_SAFE_INTEGER ? 1 : lastObservationId + 1;
  return lastObservationId;
}

/** What a capture takes its bytes from (the body budget, body-budget.ts). */
export interface CaptureBudget {
  take(bytes: number): boolean;
  release(bytes: number): void;
}

const UNLIMITED: CaptureBudget = { take: () => true, release: () => undefined };

/**
 * Accumulates chunks up to a cap, then only counts. Kept bytes come from the budget; when it has no
 * room the capture gives up as if over its cap (the comparison is skipped, the request unaffected).
 */
export class BodyCapture {
  readonly #limit: number;
  readonly #budget: CaptureBudget;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #held = 0;
  #over = false;

  constructor(limit: number, budget: CaptureBudget = UNLIMITED) {
    this.#limit = limit;
    this.#budget = budget;
  }

  add(chunk: Buffer | string): void {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.#bytes += buffer.length;
    if (this.#over) return;
    if (this.#bytes > this.#limit || !this.#budget.take(buffer.length)) {
      this.#giveUp();
      return;
    }
    this.#held += buffer.length;
    // Copy: the stream may reuse its buffer after the chunk has been written on.
    this.#chunks.push(Buffer.from(buffer));
  }

  /** `bytes` flowed past somewhere this capture could not see (a replayed body): give up keeping it. */
  abandon(bytes: number): void {
    this.#bytes += bytes;
    this.#giveUp();
  }

  #giveUp(): void {
    this.#over = true;
    this.#chunks = [];
    this.release();
  }

  /** Gives the kept bytes back to the budget: the exchange has been handed to the observer. */
  release(): void {
    this.#budget.release(this.#held);
    this.#held = 0;
  }

  result(): CapturedBody {
    if (this.#over) return { kind: 'over-cap', bytes: this.#bytes };
    // Most bodies arrive in one chunk, already copied: no second copy for them.
    const only = this.#chunks.length === 1 ? this.#chunks[0] : undefined;
    return { kind: 'captured', bytes: only ?? Buffer.concat(this.#chunks, this.#bytes) };
  }
}
