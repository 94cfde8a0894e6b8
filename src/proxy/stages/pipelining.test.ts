import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { Proxy, Upstream } from '../proxy-test-harness.ts';
import { exchangeRaw, startProxy, startUpstream, statusLines } from '../proxy-test-harness.ts';

const WRITE = 'POST /api/write HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}';

describe('pipelined requests, one at a time and none after a response that closes', () => {
  let upstream: Upstream;
  let proxy: Proxy;
  // What legacy saw, in order: `start <method> <path>` and `end <path>` when it answered.
  const events: string[] = [];

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      events.push(`start ${req.method} ${req.url}`);
      req.resume();
      const answer = (): void => {
        events.push(`end ${req.url}`);
        if (req.url === '/chunked') res.end('whole');
        else res.writeHead(200, { 'content-length': 2 }).end('ok');
      };
      if (req.url === '/chunked') res.writeHead(200).write('no length, ');
      setTimeout(answer, req.url === '/slow' || req.url === '/chunked' ? 100 : 0);
    });
    proxy = await startProxy({ legacyUrl: upstream.url });
  });
  afterAll(async () => {
    await proxy.close();
    await upstream.close();
  });

  it('does not run a write pipelined after an HTTP/1.0 keep-alive request whose response closes', async () => {
    events.length = 0;
    // HTTP/1.0 has no chunked framing: a response without a length is ended by closing the connection.
    const answer = await exchangeRaw(
      proxy.url,
      `GET /chunked HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n${WRITE}`,
    );
    expect(statusLines(answer)).toEqual(['HTTP/1.1 200 OK']);
    expect(answer.endsWith('no length, whole')).toBe(true);
    expect(events).toEqual(['start GET /chunked', 'end /chunked']);
  });

  it('answers a request with Connection: close and reads nothing after it', async () => {
    events.length = 0;
    const answer = await exchangeRaw(
      proxy.url,
      `GET /slow HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n${WRITE}`,
    );
    // Not node's 400 for the bytes after it: the request's own answer.
    expect(statusLines(answer)).toEqual(['HTTP/1.1 200 OK']);
    expect(events).toEqual(['start GET /slow', 'end /slow']);
  });

  it.each([
    ['two Host headers', 'GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', '400 Bad Request'],
    [
      'a transfer coding other than chunked',
      'POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
      '501 Not Implemented',
    ],
  ])('runs no write pipelined after a request refused for %s', async (_name, refused, status) => {
    events.length = 0;
    const answer = await exchangeRaw(proxy.url, `${refused}${WRITE}`);
    expect(statusLines(answer)).toEqual([`HTTP/1.1 ${status}`]);
    expect(events).toEqual([]);
  });

  it('sends a pipelined request on only once the response before it is done', async () => {
    events.length = 0;
    const answer = await exchangeRaw(
      proxy.url,
      `GET /slow HTTP/1.1\r\nHost: a\r\n\r\n${WRITE.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n')}`,
    );
    expect(statusLines(answer)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(events).toEqual(['start GET /slow', 'end /slow', 'start POST /api/write', 'end /api/write']);
  });

  it("keeps node's own answers to requests it cannot parse", async () => {
    const oversized = await exchangeRaw(
      proxy.url,
      `GET /x HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(statusLines(oversized)).toEqual(['HTTP/1.1 431 Request Header Fields Too Large']);
    const garbage = await exchangeRaw(proxy.url, 'GET /x HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n');
    expect(statusLines(garbage)).toEqual(['HTTP/1.1 400 Bad Request']);
  });
});
