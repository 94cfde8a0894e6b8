import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { CapturedHeaders } from './captured-exchange.ts';

const decoders: Readonly<
  Record<string, (input: Buffer, options: zlib.ZlibOptions & zlib.BrotliOptions) => Promise<Buffer>>
> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
};

export type DecodedBody =
  | { readonly ok: true; readonly body: Buffer }
  | { readonly ok: false; readonly reason: 'over-cap' | 'unsupported-encoding' | 'corrupt-encoding' };

/**
 * The proxy tees legacy's bytes as sent, so a gzip response arrives compressed while the shadow side's
 * does not: both are compared decoded. Decoding runs on libuv's thread pool (not the event loop the
 * client path shares) and stops at the capture limit, so a decompression bomb costs nothing.
 */
export async function decodeBody(
  headers: CapturedHeaders,
  body: Buffer,
  limitBytes: number,
): Promise<DecodedBody> {
  const header = headers['content-encoding'];
  if (header === undefined) return { ok: true, body };
  const encodings = (typeof header === 'string' ? header : header.join(','))
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '' && e !== 'identity');
  let out = body;
  // Content-Encoding lists codings in the order applied (RFC 9110 §8.4): undo them last first.
  for (const encoding of encodings.reverse()) {
    const decode = decoders[encoding];
    if (decode === undefined) return { ok: false, reason: 'unsupported-encoding' };
    try {
      out = await decode(out, { maxOutputLength: limitBytes });
    } catch (error: unknown) {
      // The async API reports the limit as ERR_BUFFER_TOO_LARGE (a RangeError in the sync API).
      const code = (error as { code?: unknown }).code;
      if (error instanceof RangeError || code === 'ERR_BUFFER_TOO_LARGE')
        return { ok: false, reason: 'over-cap' };
      return { ok: false, reason: 'corrupt-encoding' };
    }
  }
  return { ok: true, body: out };
}
