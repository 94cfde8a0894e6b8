/*
 * A body that arrives too slowly, sent to the real ASP.NET legacy directly and through strangler with
 * its default limits (Kestrel's MinRequestBodyDataRate, 240 bytes/s after 5 s): the client gets the
 * same answer at about the same time (slow-uploads.test.ts shows legacy is not called for it).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';

import { dotnetForSuite } from '../../scripts/legacy-aspnet/dotnet-suite.ts';
import { startLegacyAspnet, type LegacyAspnet } from '../../scripts/legacy-aspnet/legacy-aspnet.ts';
import type { Proxy } from './proxy-test-harness.ts';
import { startProxy } from './proxy-test-harness.ts';

const run = dotnetForSuite('slow request bodies as Kestrel answers them') ? describe : describe.skip;

/** A JSON body of 200 bytes sent one space every 500 ms (2 bytes/s); the answer, its headers lower-cased. */
function tooSlowUpload(url: URL): Promise<{ head: string; body: string; afterMs: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname, () => {
      socket.write(
        'POST /api/athletes HTTP/1.1\r\nHost: api.example\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n',
      );
    });
    const timer = setInterval(() => socket.write(' '), 500);
    const deadline = setTimeout(() => socket.destroy(), 10_000);
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(deadline);
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ head: head.toLowerCase(), body, afterMs: Date.now() - started });
    });
  });
}

run('slow request bodies, as the ASP.NET legacy answers them', () => {
  let legacy: LegacyAspnet;
  let proxy: Proxy;

  beforeAll(async () => {
    // No database: the body is refused before model binding reaches one.
    legacy = await startLegacyAspnet({
      legacyDatabaseUrl: 'postgres://nobody@127.0.0.1:1/none',
      port: 0,
    });
    proxy = await startProxy({ legacyUrl: legacy.url });
  }, 180_000);

  afterAll(async () => {
    await proxy?.close();
    await legacy?.stop();
  });

  it("answers a body under 240 bytes/s after 5 s with Kestrel's empty 408 and closes", async () => {
    const [direct, proxied] = await Promise.all([tooSlowUpload(legacy.url), tooSlowUpload(proxy.url)]);
    for (const answer of [direct, proxied]) {
      expect(answer.head).toMatch(/^http\/1\.1 408 request timeout\r\n/);
      expect(answer.head).toContain('\r\ncontent-length: 0');
      expect(answer.head).toContain('\r\nconnection: close');
      expect(answer.body).toBe('');
      expect(answer.afterMs).toBeGreaterThanOrEqual(5000);
      expect(answer.afterMs).toBeLessThan(7500);
    }
  }, 20_000);
});
