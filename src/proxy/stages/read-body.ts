import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';

import type { BodyBudget } from '../body-budget.ts';

export type BodyResult =
  | { readonly kind: 'complete'; readonly bytes: Buffer }
  /**
   * Over the cap. `replay` yields the `read` bytes already consumed followed by the rest of the
   * request; undefined when Content-Length announced it and nothing was read.
   */
  | { readonly kind: 'over-cap'; readonly replay: Readable | undefined; readonly read: number }
  /** The body budget could not hold it; nothing more is read. */
  | { readonly kind: 'over-budget' }
  | { readonly kind: 'failed' };

export interface ReadBodyOptions {
  /** Most bytes kept; more make it `over-cap`. */
  readonly limit: number;
  /** Where the kept bytes are taken from; `release` gives them back (idempotent). */
  readonly budget: BodyBudget;
}

export interface BodyRead {
  readonly result: Promise<BodyResult>;
  /** Gives the bytes this read holds back to the budget; called when the exchange ends. */
  readonly release: () => void;
}

/** The body length the request declares (node has already refused a malformed Content-Length). */
export function declaredBodyLength(req: IncomingMessage): number | undefined {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) ? declared : undefined;
}

/** RFC 9112 §6.3: a request without Content-Length or Transfer-Encoding has no body. */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Buffers a request body, stopping at the cap so nothing grows without bound, with every kept byte
 * taken from the body budget first. A declared length that fits is taken before anything is read, so
 * a body the budget cannot hold is refused before the client sends it.
 */
export function readBody(req: IncomingMessage, options: ReadBodyOptions): BodyRead {
  const { limit, budget } = options;
  let held = 0;
  const release = (): void => {
    budget.release(held);
    held = 0;
  };
  const declared = declaredBodyLength(req);
  if (declared !== undefined && declared <= limit) {
    if (!budget.take(declared)) return { result: Promise.resolve({ kind: 'over-budget' }), release };
    held = declared;
  }
  return { result: new Promise((resolve) => collect(req, limit, hold, resolve)), release };

  // Chunks beyond what was taken up front (a chunked body, or one declared over the cap).
  function hold(size: number): boolean {
    if (size <= held) return true;
    if (!budget.take(size - held)) return false;
    held = size;
    return true;
  }
}

function collect(
  req: IncomingMessage,
  limit: number,
  hold: (size: number) => boolean,
  resolve: (result: BodyResult) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const settle = (result: BodyResult): void => {
    req.removeListener('data', onData);
    req.removeListener('end', onEnd);
    req.removeListener('error', onFailed);
    req.removeListener('close', onClose);
    resolve(result);
  };
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (!hold(size)) {
      req.pause();
      settle({ kind: 'over-budget' });
      return;
    }
    chunks.push(chunk);
    if (size > limit) {
      req.pause();
      const replay = new PassThrough();
      for (const buffered of chunks) replay.write(buffered);
      settle({ kind: 'over-cap', replay, read: size });
      req.pipe(replay);
    }
  };
  const onEnd = (): void => settle({ kind: 'complete', bytes: Buffer.concat(chunks, size) });
  const onFailed = (): void => settle({ kind: 'failed' });
  const onClose = (): void => {
    if (!req.complete) onFailed();
  };
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onFailed);
  req.on('close', onClose);
}
