import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_TRAFFIC, formatSummary, parseTrafficArgs, runTraffic } from './traffic.ts';

const SQUAD = 'c0a80101-0000-4000-8000-000000000001';
const ATHLETES = ['c0a80101-0000-4000-8000-00000000000a', 'c0a80101-0000-4000-8000-00000000000b'];

/** A small athlete API on port 0 that records what it was sent. */
let server: http.Server;
let baseUrl: URL;
let delayMs = 0;
const seen: { method: string; url: string; tenant: string | undefined; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        tenant: req.headers['x-tenant-id'] as string,
        body,
      });
      const reply = (status: number, value: unknown) =>
        setTimeout(
          () => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value)),
          delayMs,
        );
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (path === '/api/squads') return reply(200, [{ SquadId: SQUAD }]);
      if (path === '/api/athletes')
        return reply(
          200,
          ATHLETES.map((AthleteId) => ({ AthleteId })),
        );
      const known =
        ATHLETES.some((id) => path.startsWith(`/api/athletes/${id}`)) ||
        path.startsWith(`/api/squads/${SQUAD}`);
      if (req.method === 'POST') return reply(known ? 201 : 404, {});
      return reply(known ? 200 : 404, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('demo traffic generator', () => {
  it('sends exactly the requested count over the athlete API, using discovered ids, and sums up', async () => {
    seen.length = 0;
    delayMs = 0;
    const summary = await runTraffic({
      ...DEFAULT_TRAFFIC,
      baseUrl,
      requests: 120,
      durationMs: 20_000,
      writeRatio: 0.2,
    });
    expect(summary.requests).toBe(120);
    expect(seen).toHaveLength(120);
    expect(Object.values(summary.byKind).reduce((a, b) => a + b, 0)).toBe(120);
    expect(Object.values(summary.byStatus).reduce((a, b) => a + b, 0) + summary.failures).toBe(120);
    expect(summary.failures).toBe(0);
    const paths = seen.map((s) => s.url);
    expect(paths.slice(0, 2)).toEqual(['/api/squads', '/api/athletes?page=1&pageSize=50']);
    expect(paths.some((p) => p === `/api/squads/${SQUAD}/athletes`)).toBe(true);
    expect(paths.some((p) => /^\/api\/athletes\?page=\d&pageSize=\d+$/.test(p))).toBe(true);
    expect(paths.some((p) => ATHLETES.some((id) => p === `/api/athletes/${id}/wellness`))).toBe(true);
    const posts = seen.filter((s) => s.method === 'POST');
    expect(posts.length).toBeGreaterThan(5);
    expect(JSON.parse(posts[0]?.body ?? '{}')).toMatchObject({
      EntryDate: expect.stringMatching(/^2025-\d\d-\d\d$/),
    });
    // Known ids dominate: the generator exercises real rows, with a few deliberate 404s.
    expect(summary.byStatus['200'] ?? 0).toBeGreaterThan(summary.byStatus['404'] ?? 0);
    expect(new Set(seen.map((s) => s.tenant)).size).toBeGreaterThan(5);
    expect(formatSummary(summary)).toMatch(/^120 requests in /);
  });

  it('stops at the duration limit even when the count is not reached', async () => {
    delayMs = 50;
    const t0 = Date.now();
    const summary = await runTraffic({
      ...DEFAULT_TRAFFIC,
      baseUrl,
      requests: 1_000_000,
      durationMs: 600,
      concurrency: 2,
    });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(summary.requests).toBeLessThan(100);
    delayMs = 0;
  });

  it('counts requests that get no response instead of hanging', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const summary = await runTraffic({
      ...DEFAULT_TRAFFIC,
      baseUrl: new URL(`http://127.0.0.1:${port}`),
      requests: 10,
    });
    expect(summary).toMatchObject({ requests: 10, failures: 10 });
  });

  it('rejects bad arguments all at once', () => {
    expect(() => parseTrafficArgs(['--requests', '0', '--write-ratio', '2', '--base-url', 'nope'])).toThrow(
      /--base-url is not a URL[\s\S]*--requests must be an integer between 1 and 1000000[\s\S]*--write-ratio must be a number between 0 and 1/,
    );
    expect(parseTrafficArgs(['--duration', '5'])).toMatchObject({ durationMs: 5000, requests: 300 });
  });
});
