import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';

import { openLegacyDatabase } from '../../../adapters/database.ts';
import { migrateLegacyToLatest } from '../../../adapters/migrations.ts';
import { ATHLETE_WITH_ENTRIES } from '../../../contract-tests/contract-data.ts';
import { dotnetForSuite } from '../../../scripts/legacy-aspnet/dotnet-suite.ts';
import { startLegacyAspnet, type LegacyAspnet } from '../../../scripts/legacy-aspnet/legacy-aspnet.ts';
import { jsonResponse } from '../../handlers/new-handler.ts';
import type { RouteRecord } from '../../routing/route.ts';
import { createFakeFlagResolver } from '../../testing/fake-flag-resolver.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database.ts';
import type { Proxy } from '../proxy-test-harness.ts';
import { startProxy } from '../proxy-test-harness.ts';

/*
 * What the public port answers itself (stages/framing.ts) against what the real ASP.NET app answers to the
 * same bytes: the status line, Allow, the empty body, and whether the connection stays open for the next
 * request.
 */

const hasDotnet = dotnetForSuite('the framing-against-Kestrel suite');
const describeWithDotnet = hasDotnet ? describe : describe.skip;

interface Answer {
  readonly statusLine: string;
  readonly allow: string | undefined;
  readonly contentLength: string | undefined;
  /** How many responses came back: 2 when the pipelined GET after the request was read too. */
  readonly responses: number;
}

/** Sends the request followed by a pipelined GET, and reads until the server closes (or 1.5 s pass). */
function answerTo(url: URL, request: string): Promise<Answer> {
  const then = 'GET /api/nothing-here HTTP/1.1\r\nHost: kestrel.test\r\nConnection: close\r\n\r\n';
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(request + then));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      const head = received.slice(0, received.indexOf('\r\n\r\n'));
      const header = (name: string): string | undefined =>
        new RegExp(`\\r\\n${name}: ([^\\r]*)`, 'i').exec(head)?.[1];
      resolve({
        statusLine: head.split('\r\n')[0] ?? '',
        allow: header('allow'),
        contentLength: header('content-length'),
        responses: received.match(/HTTP\/1\.1 \d{3}/g)?.length ?? 0,
      });
    });
    setTimeout(() => socket.destroy(), 1500).unref();
  });
}

let database: TestDatabase | undefined;
let legacy: LegacyAspnet | undefined;

beforeAll(async () => {
  if (!hasDotnet) return;
  database = await createTestDatabase('framing_kestrel');
  const db = openLegacyDatabase(database.url, { poolMax: 1 });
  await migrateLegacyToLatest(db);
  await db.destroy();
  legacy = await startLegacyAspnet({ legacyDatabaseUrl: database.url, port: 0 });
}, 120_000);

afterAll(async () => {
  await legacy?.stop();
  await database?.drop();
});

describeWithDotnet('requests the public port answers itself, as Kestrel answers them', () => {
  let proxy: Proxy;
  // A route in new mode for the path legacy's GET /api/athletes/{id:guid} has: a fragment must not reach it.
  const athletes: RouteRecord = {
    id: 'athletes-get',
    methods: ['GET'],
    path: '/api/athletes/{id}',
    flag: 'strangler.athletes-get',
    stickiness: { kind: 'header', name: 'X-Tenant-Id' },
    handler: async () => jsonResponse(200, { side: 'new' }),
  };

  beforeAll(async () => {
    proxy = await startProxy({
      legacyUrl: legacy?.url as URL,
      hostHeader: 'preserve',
      routes: [athletes],
      flags: createFakeFlagResolver({ 'strangler.athletes-get': 'new' }),
    });
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it.each([
    ['OPTIONS *', 'OPTIONS * HTTP/1.1\r\nHost: kestrel.test\r\n\r\n'],
    ['GET *', 'GET * HTTP/1.1\r\nHost: kestrel.test\r\n\r\n'],
    ['an absolute form with another scheme', 'GET ftp://kestrel.test/api/squads HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['an absolute form with a fragment', 'GET http://kestrel.test/api/squads#x HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['a fragment on a route', `GET /api/athletes/${ATHLETE_WITH_ENTRIES}#x HTTP/1.1\r\nHost: a\r\n\r\n`],
    [
      'a last transfer coding other than chunked',
      'POST /api/squads HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    ],
  ])('%s', async (_name, request) => {
    const kestrel = await answerTo(legacy?.url as URL, request);
    const proxied = await answerTo(proxy.url, request);
    expect(proxied).toEqual(kestrel);
  });

  it('CONNECT: the same empty 404, after which the connection closes (node reads no HTTP after CONNECT)', async () => {
    const request = 'CONNECT kestrel.test:443 HTTP/1.1\r\nHost: kestrel.test:443\r\n\r\n';
    const kestrel = await answerTo(legacy?.url as URL, request);
    const proxied = await answerTo(proxy.url, request);
    expect(proxied).toEqual({ ...kestrel, responses: 1 });
    expect(kestrel.responses).toBe(2);
  });
});
