/**
 * The worker thread behind off-thread-comparer.ts: compares exchanges too large to compare on the
 * event loop that serves clients. Runs compareExchanges unchanged; bodies arrive as Uint8Array copies.
 */
import { parentPort } from 'node:worker_threads';
import type { CapturedResponse } from '../captured-exchange.ts';
import { compareExchanges } from './compare-exchanges.ts';
import type { CompareJob, CompareReply } from './off-thread-comparer.ts';

function response(wire: CompareJob['legacy']): CapturedResponse {
  return {
    status: wire.status,
    headers: wire.headers,
    body: Buffer.from(wire.body.buffer, wire.body.byteOffset, wire.body.byteLength),
  };
}

parentPort?.on('message', (job: CompareJob) => {
  let reply: CompareReply;
  try {
    reply = {
      id: job.id,
      ok: true,
      result: compareExchanges(response(job.legacy), response(job.candidate), job.rules),
    };
  } catch (error: unknown) {
    reply = { id: job.id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});
