import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';

import { describe, expect, it } from '@jest/globals';

import { readBody } from './read-body.ts';

function request(headers: Record<string, string> = {}): PassThrough & IncomingMessage {
  const stream = new PassThrough() as PassThrough & IncomingMessage;
  Object.assign(stream, { headers, complete: false });
  stream.on('end', () => Object.assign(stream, { complete: true }));
  return stream;
}

async function drain(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString();
}

describe('read-body stage', () => {
  it('buffers a body under the cap', async () => {
    const req = request();
    const result = readBody(req, 10);
    req.end('hello');
    expect(await result).toEqual({ kind: 'complete', bytes: Buffer.from('hello') });
  });

  it('refuses a declared length over the cap without reading anything', async () => {
    expect(await readBody(request({ 'content-length': '11' }), 10)).toEqual({
      kind: 'over-cap',
      replay: undefined,
      read: 0,
    });
  });

  it('stops at the cap while streaming, and replays what it read followed by the rest', async () => {
    const req = request();
    const result = readBody(req, 4);
    req.write('abc');
    req.write('def');
    const outcome = await result;
    expect(outcome).toMatchObject({ kind: 'over-cap', read: 6 });
    req.end('ghi');
    expect(await drain((outcome as { replay: NodeJS.ReadableStream }).replay)).toBe('abcdefghi');
  });

  it('fails when the client goes away before the body is complete', async () => {
    const req = request();
    const result = readBody(req, 10);
    req.write('abc');
    req.destroy();
    expect(await result).toEqual({ kind: 'failed' });
  });
});
