import { afterAll, beforeAll, expect, it } from '@jest/globals';
import net from 'node:net';

import { startProxy, startUpstream } from './proxy-test-harness.ts';
import type { Proxy, Upstream } from './proxy-test-harness.ts';

let upstream: Upstream;
let proxy: Proxy;

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => res.end('legacy'));
  proxy = await startProxy({ legacyUrl: upstream.url, extra: { legacyMaxBodyBytes: 1000 } });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});

/**
 * Sends a declared body far over legacy's limit as fast as the socket takes it, reading nothing until
 * it is all written (or the connection fails), then reads what came back.
 */
function sendUnreadBody(port: number, bytes: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.pause();
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => resolve(received));
    socket.on('close', () => resolve(received));
    socket.on('connect', () => {
      socket.write(`POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: ${bytes}\r\n\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const more = (): void => {
        while (sent < bytes && !socket.destroyed) {
          sent += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', more);
        }
        socket.resume();
      };
      more();
    });
  });
}

it('a 413 sent before the body is read reaches the client whole, however much body follows it', async () => {
  for (let round = 0; round < 5; round++) {
    const answer = await sendUnreadBody(proxy.port, 8 * 1024 * 1024);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
  }
});
