import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';

import type { Proxy, Upstream } from '../proxy-test-harness.ts';
import { startProxy, startUpstream } from '../proxy-test-harness.ts';

/** Writes a raw request and reads until the server closes the connection (or 2 s pass). */
function exchangeRaw(url: URL, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(request));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    setTimeout(() => socket.destroy(), 2000).unref();
  });
}

describe('Host framing, as Kestrel answers it', () => {
  let upstream: Upstream;
  let proxy: Proxy;
  const reached: string[] = [];

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      reached.push(String(req.headers['x-forwarded-host']));
      res.writeHead(200, { 'content-length': 2 }).end('ok');
    });
    proxy = await startProxy({ legacyUrl: upstream.url });
  });
  afterAll(async () => {
    await proxy.close();
    await upstream.close();
  });

  it.each([
    ['two Host headers', 'Host: api.example\r\nHost: evil.example\r\n'],
    ['a Host with a space', 'Host: api example\r\n'],
    ['a Host with a path', 'Host: api.example/x\r\n'],
  ])('answers %s with an empty 400, closes the connection, and legacy sees nothing', async (_name, host) => {
    const before = reached.length;
    const answer = await exchangeRaw(
      proxy.url,
      `GET /api/other HTTP/1.1\r\n${host}\r\nGET /api/other HTTP/1.1\r\nHost: a\r\n\r\n`,
    );
    expect(answer.startsWith('HTTP/1.1 400 Bad Request\r\n')).toBe(true);
    expect(answer.toLowerCase()).toContain('\r\nconnection: close\r\n');
    expect(answer.toLowerCase()).toContain('\r\ncontent-length: 0\r\n');
    // The pipelined request after it is not read: one answer only.
    expect(answer.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(reached.length).toBe(before);
  });

  it.each([['api.example:8443'], ['[::1]:8080'], ['10.0.0.7']])(
    'forwards a valid Host (%s)',
    async (host) => {
      const answer = await exchangeRaw(
        proxy.url,
        `GET /api/other HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      expect(answer.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
      expect(reached.at(-1)).toBe(host);
    },
  );
});
