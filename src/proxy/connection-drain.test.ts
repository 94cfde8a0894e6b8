import { afterEach, beforeAll, afterAll, expect, test } from '@jest/globals';
import net from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { startProxy, startUpstream } from './proxy-test-harness.ts';
import type { Proxy, Upstream } from './proxy-test-harness.ts';

/*
 * The public port's drain over real sockets: a raw client sees exactly which bytes arrive and when its
 * connection ends. Legacy is a node:http upstream whose /slow answers after SLOW_MS.
 */

const SLOW_MS = 300;
let upstream: Upstream;
let proxy: Proxy | undefined;

beforeAll(async () => {
  upstream = await startUpstream((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/hang') return;
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' }).write('ok ');
      setTimeout(() => res.end(req.url), SLOW_MS);
      return;
    }
    const answer = () => res.writeHead(200, { 'content-type': 'text/plain' }).end(`ok ${req.url}`);
    if (req.url === '/slow') setTimeout(answer, SLOW_MS);
    else answer();
  });
});

afterAll(() => upstream.close());

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: api.example\r\n\r\n`;

/** A raw keep-alive client: the responses it read (split at each status line) and whether it has ended. */
class RawClient {
  readonly socket: net.Socket;
  received = '';
  ended = false;
  readonly closed: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => (this.received += chunk.toString('latin1')));
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.ended = true;
        resolve();
      }),
    );
  }

  static async open(port: number): Promise<RawClient> {
    const client = new RawClient(port);
    await new Promise((resolve) => client.socket.once('connect', resolve));
    return client;
  }

  /** Sends and waits until `count` responses in all have been read, the last in full (`ok <path>`, maybe chunked). */
  async send(request: string, count: number, path = lastPath(request)): Promise<string[]> {
    this.socket.write(request);
    const deadline = performance.now() + 5000;
    const done = new RegExp(`ok ${path}(\r\n0\r\n\r\n)?$`);
    while (this.responses().length < count || !done.test(this.received)) {
      if (performance.now() > deadline) throw new Error(`no answer; got:\n${this.received}`);
      await sleep(5);
    }
    return this.responses();
  }

  responses(): string[] {
    return this.received.split(/(?=HTTP\/1\.1 )/).filter((part) => part !== '');
  }
}

const lastPath = (request: string): string => /GET (\S+)/.exec(request)?.[1] ?? '';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function start(): Promise<Proxy> {
  proxy = await startProxy({ legacyUrl: upstream.url });
  return proxy;
}

test('a request in flight when the listener closes completes, with Connection: close', async () => {
  const { port, publicServer } = await start();
  const client = await RawClient.open(port);
  const answer = client.send(GET('/slow'), 1);
  await sleep(50);
  const closing = publicServer.close(5000);
  const [response] = await answer;
  expect(response).toMatch(/^HTTP\/1\.1 200 /);
  expect(response).toMatch(/\r\nConnection: close\r\n/i);
  await client.closed;
  await closing;
});

test('a response whose keep-alive headers were out before the drain: its connection closes once it ends', async () => {
  const { port, publicServer } = await start();
  const client = await RawClient.open(port);
  client.socket.write(GET('/stream'));
  while (!client.received.includes('\r\n\r\n')) await sleep(5);
  expect(client.received).toMatch(/\r\nConnection: keep-alive\r\n/i);
  const started = performance.now();
  await publicServer.close(5000);
  await client.closed;
  expect(client.received).toMatch(/\/stream\r\n0\r\n\r\n$/);
  expect(performance.now() - started).toBeLessThan(SLOW_MS + 1000);
});

test('once draining, a keep-alive client gets Connection: close on its next response, then the connection ends', async () => {
  const { port, publicServer } = await start();
  const client = await RawClient.open(port);
  const [first] = await client.send(GET('/one'), 1);
  expect(first).toMatch(/\r\nConnection: keep-alive\r\n/i);
  publicServer.drain();
  const [, second] = await client.send(GET('/two'), 2);
  expect(second).toMatch(/\r\nConnection: close\r\n/i);
  await client.closed;
});

test('a request on a new connection during the delay (draining, listener still open) is served', async () => {
  const { port, publicServer } = await start();
  publicServer.drain();
  const client = await RawClient.open(port);
  const [response] = await client.send(GET('/during-delay'), 1);
  expect(response).toMatch(/^HTTP\/1\.1 200 /);
  expect(response).toMatch(/\r\nConnection: close\r\n/i);
});

test('an idle keep-alive connection is closed as soon as the listener closes', async () => {
  const { port, publicServer } = await start();
  const client = await RawClient.open(port);
  await client.send(GET('/one'), 1);
  const started = performance.now();
  await publicServer.close(5000);
  await client.closed;
  // Well before the 5 s timeout: an idle connection is not waited for.
  expect(performance.now() - started).toBeLessThan(1500);
});

test('a connection that has started sending its next request is not idle: the request is served', async () => {
  const { port, publicServer } = await start();
  const client = await RawClient.open(port);
  await client.send(GET('/one'), 1);
  const next = GET('/two');
  client.socket.write(next.slice(0, 10));
  await sleep(50);
  const closing = publicServer.close(5000);
  await sleep(100);
  expect(client.ended).toBe(false);
  const [, second] = await client.send(next.slice(10), 2, '/two');
  expect(second).toMatch(/^HTTP\/1\.1 200 /);
  expect(second).toMatch(/\r\nConnection: close\r\n/i);
  await client.closed;
  await closing;
});

test('a connection accepted just before the listener closed is not idle: its request is served', async () => {
  const { port, publicServer } = await start();
  const client = await RawClient.open(port);
  await sleep(20);
  const closing = publicServer.close(5000);
  await sleep(100);
  const [response] = await client.send(GET('/late'), 1);
  expect(response).toMatch(/^HTTP\/1\.1 200 /);
  await client.closed;
  await closing;
});

test('what is still in flight at the timeout is cut, and close() returns', async () => {
  const { port, publicServer } = await start();
  const client = await RawClient.open(port);
  client.socket.write(GET('/hang'));
  await sleep(50);
  const started = performance.now();
  await publicServer.close(200);
  await client.closed;
  expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  expect(performance.now() - started).toBeLessThan(2000);
  expect(client.received).toBe('');
});
