import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';

import { describe, expect, it } from '@jest/globals';

import { UploadWatch, type CutReason } from './upload-watch.ts';

function upload(address: string): PassThrough & IncomingMessage {
  const stream = new PassThrough() as PassThrough & IncomingMessage;
  Object.assign(stream, { socket: { remoteAddress: address } });
  return stream;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('upload watch', () => {
  it('counts bodies in flight per address, and frees the slot when a body ends or its client leaves', () => {
    const watch = new UploadWatch({ minBytesPerSecond: 0, rateGraceMs: 0, idleTimeoutMs: 0, perAddress: 2 });
    const [a, b, c] = [upload('10.0.0.1'), upload('10.0.0.1'), upload('10.0.0.1')];
    expect([watch.admit(a, () => undefined), watch.admit(b, () => undefined)]).toEqual([true, true]);
    expect(watch.admit(c, () => undefined)).toBe(false);
    expect(watch.admit(upload('10.0.0.2'), () => undefined)).toBe(true);
    a.resume();
    a.end();
    b.destroy();
    return sleep(10).then(() => {
      expect(watch.inFlight('10.0.0.1')).toBe(0);
      watch.close();
    });
  });

  it('does not hold time against a body while it is paused by backpressure', async () => {
    const watch = new UploadWatch({
      minBytesPerSecond: 0,
      rateGraceMs: 0,
      idleTimeoutMs: 100,
      perAddress: 0,
    });
    const cuts: CutReason[] = [];
    const paused = upload('10.0.0.3');
    const flowing = upload('10.0.0.4');
    watch.admit(paused, (reason) => cuts.push(reason));
    watch.admit(flowing, (reason) => cuts.push(reason));
    paused.pause();
    await sleep(250);
    expect(cuts).toEqual(['idle']);
    expect(watch.inFlight('10.0.0.3')).toBe(1);
    watch.close();
  });
});
