/**
 * Open-loop load at a steady rate: the n-th request leaves at n / rate seconds whether or not earlier
 * ones have answered, so a stall in strangler shows up as latency and failures instead of a slower
 * sender. Each request ends within REQUEST_TIMEOUT_MS.
 */
import { Pool } from 'undici';

import type { SoakRequest, TrafficClass } from './soak-traffic.ts';

const REQUEST_TIMEOUT_MS = 30_000;

export interface Outcome {
  readonly cls: TrafficClass;
  /** Milliseconds since the soak's start. */
  readonly sentMs: number;
  readonly doneMs: number;
  /** Undefined: no response (refused, reset, timed out). */
  readonly status: number | undefined;
  /** A failure's first bytes of body, or the client's error: what the summary shows as an example. */
  readonly detail?: string;
}

export interface SteadyLoadOptions {
  readonly origin: string;
  readonly rate: number;
  readonly seconds: number;
  /** Milliseconds since the soak's start. */
  readonly now: () => number;
  readonly plan: (n: number) => Promise<SoakRequest>;
  readonly onOutcome: (outcome: Outcome) => void;
}

type Answer = Pick<Outcome, 'status' | 'detail'>;

async function sendOne(pool: Pool, request: SoakRequest): Promise<Answer> {
  try {
    const response = await pool.request({
      method: request.method,
      path: request.path,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = await response.body.text();
    const status = response.statusCode;
    return status >= 200 && status < 300 ? { status } : { status, detail: body.slice(0, 160) };
  } catch (error: unknown) {
    if (!(error instanceof Error)) throw error;
    return { status: undefined, detail: error.message };
  }
}

/** Sends for `seconds`, then waits for the last answers. */
export async function runSteadyLoad(options: SteadyLoadOptions): Promise<void> {
  const { rate, seconds, now, plan, onOutcome } = options;
  const pool = new Pool(options.origin, { connections: 256, pipelining: 1 });
  const inFlight = new Set<Promise<void>>();
  const start = now();
  try {
    for (let n = 0; ; n += 1) {
      const due = start + (n * 1000) / rate;
      if (due >= start + seconds * 1000) break;
      const wait = due - now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const sending = plan(n).then(async (request) => {
        const sentMs = now();
        const answer = await sendOne(pool, request);
        onOutcome({ cls: request.cls, sentMs, doneMs: now(), ...answer });
      });
      inFlight.add(sending);
      void sending.finally(() => inFlight.delete(sending));
    }
    await Promise.all(inFlight);
  } finally {
    await pool.close();
  }
}
