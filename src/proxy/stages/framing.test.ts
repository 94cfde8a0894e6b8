import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { jsonResponse } from '../../handlers/new-handler.ts';
import type { RouteRecord } from '../../routing/route.ts';
import { createFakeFlagResolver } from '../../testing/fake-flag-resolver.ts';
import type { Proxy, Upstream } from '../proxy-test-harness.ts';
import { exchangeRaw, metricValue, startProxy, startUpstream, statusLines } from '../proxy-test-harness.ts';

/** Every strangler_upstream_errors_total sample, summed. */
async function upstreamErrors(proxy: Proxy): Promise<number> {
  const metric = proxy.metrics.registry.getSingleMetric('strangler_upstream_errors_total');
  const data = await metric?.get();
  return (data?.values ?? []).reduce((sum, sample) => sum + sample.value, 0);
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

describe('transfer codings, request targets and CONNECT', () => {
  let upstream: Upstream;
  let proxy: Proxy;
  const reached: string[] = [];
  const handled: string[] = [];
  const flags = createFakeFlagResolver({ 'strangler.things': 'new' });
  const thing: RouteRecord = {
    id: 'things',
    methods: ['GET'],
    path: '/api/things/{id}',
    flag: 'strangler.things',
    stickiness: { kind: 'header', name: 'X-Tenant-Id' },
    handler: async (req) => {
      handled.push(req.params.id ?? '');
      return jsonResponse(200, { id: req.params.id });
    },
  };

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        reached.push(`${req.method} ${req.url} ${Buffer.concat(chunks).toString('latin1')}`);
        res.writeHead(200, { 'content-length': 2 }).end('ok');
      });
    });
    proxy = await startProxy({ legacyUrl: upstream.url, routes: [thing], flags });
  });
  afterAll(async () => {
    await proxy.close();
    await upstream.close();
  });

  it.each([
    ['gzip, chunked', 501],
    ['deflate;x=1, chunked', 501],
    ['gzip', 400],
  ])(
    'answers Transfer-Encoding: %s with an empty %i before anything is forwarded, and closes',
    async (codings, status) => {
      const before = reached.length;
      const answer = await exchangeRaw(
        proxy.url,
        `POST /api/other HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ${codings}\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
      );
      expect(statusLines(answer)).toEqual([expect.stringMatching(new RegExp(`^HTTP/1\\.1 ${status} `))]);
      expect(answer.toLowerCase()).toContain('\r\nconnection: close\r\n');
      expect(reached.length).toBe(before);
    },
  );

  it('treats two Transfer-Encoding headers as one list of codings', async () => {
    const before = reached.length;
    const answer = await exchangeRaw(
      proxy.url,
      'POST /api/other HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    );
    expect(statusLines(answer)).toEqual(['HTTP/1.1 501 Not Implemented']);
    expect(reached.length).toBe(before);
  });

  it('forwards a chunked body, with `identity` before chunked changing nothing', async () => {
    const answer = await exchangeRaw(
      proxy.url,
      'POST /api/other HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity, chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    );
    expect(statusLines(answer)).toEqual(['HTTP/1.1 200 OK']);
    expect(reached.at(-1)).toBe('POST /api/other {}');
  });

  it('answers OPTIONS * with an empty 404 itself, keeps the connection, and counts no upstream error', async () => {
    const before = reached.length;
    const answer = await exchangeRaw(
      proxy.url,
      'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\nGET /api/other HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    expect(statusLines(answer)).toEqual(['HTTP/1.1 404 Not Found', 'HTTP/1.1 200 OK']);
    expect(answer.toLowerCase()).toContain('\r\ncontent-length: 0\r\n');
    expect(reached.slice(before)).toEqual(['GET /api/other ']);
    expect(await upstreamErrors(proxy)).toBe(0);
    expect(
      await metricValue(proxy.metrics, 'strangler_requests_total', { route: 'catch-all', status: '404' }),
    ).toBeGreaterThan(0);
  });

  it.each([
    ['GET *', '405 Method Not Allowed', 'OPTIONS'],
    ['GET ftp://api.example/api/other', '400 Bad Request', undefined],
    ['GET http://api.example/api/other#x', '400 Bad Request', undefined],
  ])('answers `%s` as Kestrel does (%s), closing the connection', async (line, status, allow) => {
    const before = reached.length;
    const answer = await exchangeRaw(
      proxy.url,
      `${line} HTTP/1.1\r\nHost: a\r\n\r\nGET /api/other HTTP/1.1\r\nHost: a\r\n\r\n`,
    );
    expect(statusLines(answer)).toEqual([`HTTP/1.1 ${status}`]);
    if (allow !== undefined) expect(answer.toLowerCase()).toContain(`\r\nallow: ${allow.toLowerCase()}\r\n`);
    expect(reached.length).toBe(before);
    expect(await upstreamErrors(proxy)).toBe(0);
  });

  it('answers CONNECT with an empty 404 itself, counted as a request and not as an upstream error', async () => {
    const before = reached.length;
    const answer = await exchangeRaw(
      proxy.url,
      'CONNECT api.example:443 HTTP/1.1\r\nHost: api.example:443\r\n\r\n',
    );
    expect(statusLines(answer)).toEqual(['HTTP/1.1 404 Not Found']);
    expect(answer).toContain('\r\nContent-Length: 0\r\n');
    expect(reached.length).toBe(before);
    expect(await upstreamErrors(proxy)).toBe(0);
    expect(
      await metricValue(proxy.metrics, 'strangler_requests_total', { route: 'catch-all', status: '404' }),
    ).toBeGreaterThan(0);
  });

  it('matches no route for a target with a fragment: legacy answers it, as Kestrel routes it', async () => {
    const answer = await exchangeRaw(
      proxy.url,
      'GET /api/things/5#x HTTP/1.1\r\nHost: a\r\n\r\nGET /api/things/6?q=1#x HTTP/1.1\r\nHost: a\r\n\r\nGET /api/things/7 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    expect(statusLines(answer)).toHaveLength(3);
    expect(reached.slice(-2)).toEqual(['GET /api/things/5#x ', 'GET /api/things/6?q=1#x ']);
    expect(handled).toEqual(['7']);
  });
});
