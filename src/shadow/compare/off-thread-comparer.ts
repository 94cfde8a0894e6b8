import { Worker } from 'node:worker_threads';
import type { CapturedHeaders, CapturedResponse } from '../captured-exchange.ts';
import { compareExchanges, type ComparisonResult } from './compare-exchanges.ts';
import type { CompiledCompareRules } from './compare-rules.ts';

/**
 * Where the shadow runner's comparisons run. Comparing is synchronous CPU work on both bodies (parse,
 * walk): tens of microseconds for 1 KB but tens of milliseconds for a response near the 1 MiB capture limit, and
 * on the proxy's event loop every client request arriving meanwhile would wait that long. So bodies
 * over `offThreadBytes` (together) are compared on one worker thread with its own heap; small ones,
 * nearly all of them, stay inline, where posting them to a thread would cost more than comparing.
 */
export interface Comparer {
  compare(
    legacy: CapturedResponse,
    candidate: CapturedResponse,
    rules: CompiledCompareRules,
  ): Promise<ComparisonResult>;
  /** Comparisons handed to the worker so far (metrics, tests). */
  readonly offThreadCount: number;
  /** Stops the worker; comparisons still waiting on it fail. */
  close(): Promise<void>;
}

export interface ComparerOptions {
  /** Combined body size from which a comparison runs on the worker (default 64 KiB; Infinity: never). */
  readonly offThreadBytes?: number;
}

/** A response as the worker receives it: structured-cloned, the Buffer body now plain bytes. */
interface WireResponse {
  readonly status: number;
  readonly headers: CapturedHeaders;
  readonly body: Uint8Array;
}

export interface CompareJob {
  readonly id: number;
  readonly legacy: WireResponse;
  readonly candidate: WireResponse;
  readonly rules: CompiledCompareRules;
}

export type CompareReply =
  | { readonly id: number; readonly ok: true; readonly result: ComparisonResult }
  | { readonly id: number; readonly ok: false; readonly error: string };

const WORKER_URL = new URL('./compare-worker.ts', import.meta.url);

export function createComparer(options: ComparerOptions = {}): Comparer {
  const offThreadBytes = options.offThreadBytes ?? 64 * 1024;
  const pending = new Map<number, { resolve(r: ComparisonResult): void; reject(e: Error): void }>();
  let worker: Worker | undefined;
  let nextId = 1;
  let offThreadCount = 0;
  let closed = false;

  const failAll = (error: Error): void => {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };

  const workerFor = (): Worker => {
    if (worker !== undefined) return worker;
    const started = new Worker(WORKER_URL);
    // Idle, it must not keep the process alive (the runner's close() is what ends comparisons).
    started.unref();
    started.on('message', (reply: CompareReply) => {
      const waiter = pending.get(reply.id);
      if (waiter === undefined) return;
      pending.delete(reply.id);
      if (pending.size === 0) started.unref();
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(reply.error));
    });
    const lost = (error: Error): void => {
      if (worker === started) worker = undefined; // The next comparison starts a fresh one.
      failAll(error);
    };
    started.on('error', lost);
    started.on('exit', (code) => lost(new Error(`comparison worker exited (code ${code})`)));
    worker = started;
    return started;
  };

  return {
    compare(legacy, candidate, rules) {
      if (closed || legacy.body.length + candidate.body.length < offThreadBytes) {
        try {
          return Promise.resolve(compareExchanges(legacy, candidate, rules));
        } catch (error: unknown) {
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
      }
      const id = nextId++;
      offThreadCount += 1;
      // Posted as they are: the structured clone copies each body, which arrives as a Uint8Array.
      const job: CompareJob = { id, legacy, candidate, rules };
      return new Promise<ComparisonResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        const target = workerFor();
        // Ref'd while a comparison is outstanding, so a caller awaiting it is not cut off.
        target.ref();
        target.postMessage(job);
      });
    },
    get offThreadCount() {
      return offThreadCount;
    },
    async close() {
      closed = true;
      const current = worker;
      worker = undefined;
      failAll(new Error('comparer closed'));
      await current?.terminate();
    },
  };
}

/** Every comparison on the calling thread: for tests and tools that compare a handful of small bodies. */
export const inlineComparer: Comparer = createComparer({ offThreadBytes: Number.POSITIVE_INFINITY });
