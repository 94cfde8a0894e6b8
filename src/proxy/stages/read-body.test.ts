import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';

import { describe, expect, it } from '@jest/globals';

import { BodyBudget } from '../body-budget.ts';
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
  it('buffers a body under the cap, holding its bytes in the budget until released', async () => {
    const budget = new BodyBudget(100);
    const req = request();
    const read = readBody(req, { limit: 10, budget });
    req.end('hello');
    expect(await read.result).toEqual({ kind: 'complete', bytes: Buffer.from('hello') });
    expect(budget.held).toBe(5);
    read.release();
    read.release();
    expect(budget.held).toBe(0);
  });

  it('stops at the cap while streaming, and replays what it read followed by the rest', async () => {
    const req = request();
    const read = readBody(req, { limit: 4, budget: new BodyBudget(100) });
    req.write('abc');
    req.write('def');
    const outcome = await read.result;
    expect(outcome).toMatchObject({ kind: 'over-cap', read: 6 });
    req.end('ghi');
    expect(await drain((outcome as { replay: NodeJS.ReadableStream }).replay)).toBe('abcdefghi');
  });

  it('takes a declared length from the budget before reading, and refuses it when it does not fit', async () => {
    const budget = new BodyBudget(10);
    budget.take(6);
    const read = readBody(request({ 'content-length': '5' }), { limit: 10, budget });
    expect(await read.result).toEqual({ kind: 'over-budget' });
    expect(budget.held).toBe(6);
  });

  it('refuses a chunked body once its chunks no longer fit in the budget', async () => {
    const budget = new BodyBudget(4);
    const req = request({ 'transfer-encoding': 'chunked' });
    const read = readBody(req, { limit: 10, budget });
    req.write('abc');
    req.write('def');
    expect(await read.result).toEqual({ kind: 'over-budget' });
    read.release();
    expect(budget.held).toBe(0);
  });

  it('fails when the client goes away before the body is complete', async () => {
    const req = request();
    const read = readBody(req, { limit: 10, budget: new BodyBudget(100) });
    req.write('abc');
    req.destroy();
    expect(await read.result).toEqual({ kind: 'failed' });
  });
});
