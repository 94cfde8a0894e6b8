import net from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Kysely } from 'kysely';

import { openLegacyDatabase } from '../../adapters/database.ts';
import { migrateLegacyToLatest } from '../../adapters/migrations.ts';
import type { LegacyDatabase } from '../../adapters/schema.ts';
import { ATHLETE_WITH_ENTRIES, SQUADS, seedLegacy } from '../../contract-tests/contract-data.ts';
import { LEGACY_ENGINES } from '../../src/proxy/legacy-forwarder.ts';
import { startProxy, type Proxy } from '../../src/proxy/proxy-test-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../src/testing/test-database.ts';
import { startLegacyAspnet, type LegacyAspnet } from './legacy-aspnet.ts';
import { dotnetForSuite } from './dotnet-suite.ts';

/*
 * The public port's intermediary behaviour with Kestrel behind it, not a hand-written upstream: each
 * request goes once straight to the ASP.NET app and once through strangler (catch-all, legacy mode),
 * over raw sockets, and the client must not be able to tell the two apart: status line, headers (but
 * those an intermediary owns) and body bytes.
 */

const hasDotnet = dotnetForSuite('the proxy-in-front-of-Kestrel suite');
const describeWithDotnet = hasDotnet ? describe.each(LEGACY_ENGINES) : describe.skip.each(LEGACY_ENGINES);

/** Kestrel's default MaxRequestBodySize. */
const KESTREL_BODY_LIMIT = 30_000_000;
/** Headers that are the intermediary's own business (RFC 9110 §7.6), or differ on every response. */
const HOP_OR_PER_RESPONSE = new Set([
  'date',
  'connection',
  'keep-alive',
  'x-request-id',
  'transfer-encoding',
]);

let database: TestDatabase | undefined;
let db: Kysely<LegacyDatabase> | undefined;
let legacy: LegacyAspnet | undefined;

beforeAll(async () => {
  if (!hasDotnet) return;
  database = await createTestDatabase('kestrel_proxy');
  db = openLegacyDatabase(database.url, { poolMax: 2 });
  await migrateLegacyToLatest(db);
  await seedLegacy(db);
  legacy = await startLegacyAspnet({ legacyDatabaseUrl: database.url, port: 0 });
}, 120_000);

afterAll(async () => {
  await legacy?.stop();
  await db?.destroy();
  await database?.drop();
});

describeWithDotnet('strangler in front of Kestrel (%s engine)', (engine) => {
  let proxy: Proxy;

  beforeAll(async () => {
    proxy = await startProxy({ engine, legacyUrl: legacy?.url as URL, hostHeader: 'preserve' });
  });

  afterAll(async () => {
    await proxy?.close();
  });

  const direct = (): URL => legacy?.url as URL;

  async function both(head: string, body: Buffer | string = ''): Promise<[Exchange, Exchange]> {
    await seedLegacy(db as Kysely<LegacyDatabase>);
    const viaKestrel = await exchange(direct(), head, body).catch(labelled('Kestrel directly'));
    await seedLegacy(db as Kysely<LegacyDatabase>);
    const viaProxy = await exchange(proxy.url, head, body).catch(labelled('through strangler'));
    return [viaKestrel, viaProxy];
  }

  function expectSame([kestrel, proxied]: [Exchange, Exchange]): void {
    expect(proxied.statusLine).toBe(kestrel.statusLine);
    expect(endToEndHeaders(proxied)).toEqual(endToEndHeaders(kestrel));
    expect(proxied.body.toString('latin1')).toBe(kestrel.body.toString('latin1'));
  }

  it('passes a chunked JSON response through with the same bytes', async () => {
    const pair = await both(get(`/api/athletes/${ATHLETE_WITH_ENTRIES}/wellness`));
    expect(pair[0].headers['transfer-encoding']).toBe('chunked');
    expectSame(pair);
  });

  it("answers HEAD as Kestrel does (MVC's [HttpGet] does not take HEAD: 405 with Allow)", async () => {
    const pair = await both(`HEAD /api/squads HTTP/1.1\r\nHost: kestrel.test\r\n\r\n`);
    expect(pair[0].statusLine).toMatch(/^HTTP\/1\.1 405/);
    expectSame(pair);
  });

  it('passes a conditional GET through untouched (the app has no validators, so no 304)', async () => {
    const pair = await both(
      `GET /api/squads HTTP/1.1\r\nHost: kestrel.test\r\nIf-None-Match: "x"\r\nIf-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n\r\n`,
    );
    expect(pair[0].statusLine).toMatch(/^HTTP\/1\.1 200/);
    expectSame(pair);
  });

  it('forwards a chunked request body to Kestrel, which creates the athlete', async () => {
    const json = JSON.stringify({
      SquadId: SQUADS[1].id,
      FirstName: 'Zoë',
      LastName: 'Chunked',
      Email: 'zoe.chunked@example.test',
      DateOfBirth: '2004-03-09',
    });
    const chunked = `${Buffer.byteLength(json).toString(16)}\r\n${json}\r\n0\r\n\r\n`;
    const head =
      'POST /api/athletes HTTP/1.1\r\nHost: kestrel.test\r\nContent-Type: application/json\r\n' +
      'Transfer-Encoding: chunked\r\n\r\n';
    const [kestrel, proxied] = await both(head, chunked);
    expect(kestrel.statusLine).toMatch(/^HTTP\/1\.1 201/);
    expect(proxied.statusLine).toBe(kestrel.statusLine);
    const withoutIds = (e: Exchange): string =>
      e.body.toString().replace(/"AthleteId":"[^"]+"|"(Cre|Upd)atedAt":"[^"]+"/g, '');
    expect(withoutIds(proxied)).toBe(withoutIds(kestrel));
  });

  it("passes Kestrel's 413 for a body over its 30,000,000-byte limit", async () => {
    const head =
      'POST /api/athletes HTTP/1.1\r\nHost: kestrel.test\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${KESTREL_BODY_LIMIT + 1}\r\n\r\n`;
    // Kestrel answers from the declared length and closes without reading the body and without
    // lingering: a client still sending then gets a reset that can discard that 413 before it is read.
    // So Kestrel is asked without the body; strangler gets all of it, which it must swallow (a lingering
    // close) for its 413 to arrive.
    const kestrel = await exchange(direct(), head, '').catch(labelled('Kestrel directly'));
    const proxied = await exchange(proxy.url, head, Buffer.alloc(KESTREL_BODY_LIMIT + 1, 0x20)).catch(
      labelled('through strangler'),
    );
    expect(kestrel.statusLine).toMatch(/^HTTP\/1\.1 413/);
    expect(proxied.statusLine).toBe(kestrel.statusLine);
  }, 60_000);

  it('answers an unmatched path and a wrong method exactly as Kestrel does', async () => {
    expectSame(await both(get('/api/nothing-here')));
    expectSame(await both(`DELETE /api/squads HTTP/1.1\r\nHost: kestrel.test\r\nContent-Length: 0\r\n\r\n`));
  });

  it('keeps a client connection alive across requests, each answered as Kestrel answers it', async () => {
    const socket = net.connect(Number(proxy.url.port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const reader = responseReader(socket);
    for (let i = 0; i < 20; i += 1) {
      socket.write(get('/api/squads'));
      const response = await reader.next();
      expect(response.statusLine).toMatch(/^HTTP\/1\.1 200/);
      expect(JSON.parse(response.body.toString())).toHaveLength(SQUADS.length);
    }
    socket.destroy();
  });

  it('survives a client that goes away mid-upload, and serves the next request', async () => {
    const socket = net.connect(Number(proxy.url.port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'POST /api/athletes HTTP/1.1\r\nHost: kestrel.test\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1000000\r\n\r\n{"FirstName":',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    const [kestrel, proxied] = await both(get('/api/squads'));
    expect(proxied.statusLine).toMatch(/^HTTP\/1\.1 200/);
    expect(proxied.body.toString()).toBe(kestrel.body.toString());
  });
});

function get(path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: kestrel.test\r\n\r\n`;
}

interface Exchange {
  readonly statusLine: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

function endToEndHeaders(e: Exchange): Record<string, string> {
  return Object.fromEntries(Object.entries(e.headers).filter(([name]) => !HOP_OR_PER_RESPONSE.has(name)));
}

function labelled(side: string): (error: unknown) => never {
  return (error: unknown) => {
    throw new Error(`${side}: ${error instanceof Error ? error.message : String(error)}`);
  };
}

/** One request on a fresh connection (closed after the answer), the response read from raw bytes. */
async function exchange(url: URL, head: string, body: Buffer | string): Promise<Exchange> {
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const reader = responseReader(socket, head.startsWith('HEAD '));
  socket.write(head);
  socket.write(body);
  try {
    return await reader.next();
  } finally {
    socket.destroy();
  }
}

/** Parses HTTP/1.1 responses off a socket in order (Content-Length or chunked framing). */
function responseReader(socket: net.Socket, headOnly = false): { next(): Promise<Exchange> } {
  let buffered = Buffer.alloc(0);
  let ended = false;
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    wake?.();
  });
  socket.on('close', () => {
    ended = true;
    wake?.();
  });
  socket.on('error', () => undefined);
  const more = (): Promise<void> => {
    if (ended) throw new Error(`connection closed; had ${buffered.toString('latin1').slice(0, 200)}`);
    return new Promise((resolve) => (wake = resolve));
  };
  return {
    async next() {
      let end: number;
      while ((end = buffered.indexOf('\r\n\r\n')) < 0) await more();
      const [statusLine = '', ...lines] = buffered.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      buffered = buffered.subarray(end + 4);
      const noBody = headOnly || /^HTTP\/1\.[01] (1\d\d|204|304)/.test(statusLine);
      if (noBody) return { statusLine, headers, body: Buffer.alloc(0) };
      if (headers['transfer-encoding'] === 'chunked') {
        const parts: Buffer[] = [];
        for (;;) {
          let lineEnd: number;
          while ((lineEnd = buffered.indexOf('\r\n')) < 0) await more();
          const size = Number.parseInt(buffered.subarray(0, lineEnd).toString('latin1'), 16);
          while (buffered.length < lineEnd + 2 + size + 2) await more();
          parts.push(buffered.subarray(lineEnd + 2, lineEnd + 2 + size));
          buffered = buffered.subarray(lineEnd + 2 + size + 2);
          if (size === 0) return { statusLine, headers, body: Buffer.concat(parts) };
        }
      }
      const length = Number(headers['content-length'] ?? '0');
      while (buffered.length < length) await more();
      const body = buffered.subarray(0, length);
      buffered = buffered.subarray(length);
      return { statusLine, headers, body };
    },
  };
}
