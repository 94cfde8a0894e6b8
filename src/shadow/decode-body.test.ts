import { describe, expect, it } from '@jest/globals';
import zlib from 'node:zlib';
import { decodeBody } from './decode-body.ts';

describe('decodeBody', () => {
  const text = Buffer.from('{"a":1}');

  it('undoes gzip, deflate and br, and stacked codings in reverse order', async () => {
    expect(await decodeBody({ 'content-encoding': 'gzip' }, zlib.gzipSync(text), 100)).toEqual({
      ok: true,
      body: text,
    });
    expect(await decodeBody({ 'content-encoding': 'deflate' }, zlib.deflateSync(text), 100)).toEqual({
      ok: true,
      body: text,
    });
    expect(await decodeBody({ 'content-encoding': 'br' }, zlib.brotliCompressSync(text), 100)).toEqual({
      ok: true,
      body: text,
    });
    const stacked = zlib.brotliCompressSync(zlib.gzipSync(text));
    expect(await decodeBody({ 'content-encoding': 'gzip, br' }, stacked, 100)).toEqual({
      ok: true,
      body: text,
    });
    expect(await decodeBody({}, text, 100)).toEqual({ ok: true, body: text });
  });

  it('stops a decompression bomb at the capture limit', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(10 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(20_000);
    expect(await decodeBody({ 'content-encoding': 'gzip' }, bomb, 64 * 1024)).toEqual({
      ok: false,
      reason: 'over-cap',
    });
  });

  it('reports unknown and corrupt encodings instead of comparing garbage', async () => {
    expect(await decodeBody({ 'content-encoding': 'compress' }, text, 100)).toEqual({
      ok: false,
      reason: 'unsupported-encoding',
    });
    expect(await decodeBody({ 'content-encoding': 'gzip' }, text, 100)).toEqual({
      ok: false,
      reason: 'corrupt-encoding',
    });
  });
});
