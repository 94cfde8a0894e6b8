import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';

export type BodyResult =
  | { readonly kind: 'complete'; readonly bytes: Buffer }
  /**
   * Over the cap. `replay` yields the `read` bytes already consumed followed by the rest of the
   * request; undefined when Content-Length announced it and nothing was read.
   */
  | { readonly kind: 'over-cap'; readonly replay: Readable | undefined; readonly read: number }
  | { readonly kind: 'failed' };

/** The body length the request declares (node has already refused a malformed Content-Length). */
export function declaredBodyLength(req: IncomingMessage): number | undefined {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) ? declared : undefined;
}

/** Buffers a request body for a new handler, stopping at the cap so nothing grows without bound. */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = declaredBodyLength(req);
  if (declared !== undefined && declared > limit) {
    return Promise.resolve({ kind: 'over-cap', replay: undefined, read: 0 });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      req.removeListener('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > limit) {
        cleanup();
        req.pause();
        const replay = new PassThrough();
        for (const buffered of chunks) replay.write(buffered);
        req.pipe(replay);
        resolve({ kind: 'over-cap', replay, read: size });
      }
    };
    const onEnd = (): void => {
      cleanup();
      resolve({ kind: 'complete', bytes: Buffer.concat(chunks, size) });
    };
    const onError = (): void => {
      cleanup();
      resolve({ kind: 'failed' });
    };
    const onClose = (): void => {
      if (req.complete) return;
      cleanup();
      resolve({ kind: 'failed' });
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
