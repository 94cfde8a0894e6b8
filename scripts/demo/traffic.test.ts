import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { formatSummary, parseTrafficArgs } from './traffic.ts';
import { DEFAULT_TRAFFIC, runTraffic, type TrafficCaller } from './traffic-run.ts';
import { dayBefore } from './entry-days.ts';

/** Two organisations, each with a squad and two athletes, and the token that is theirs. */
const ORGANISATIONS = {
  'token-a': {
    squad: 'c0a80101-0000-4000-8000-0000000000a0',
    athletes: ['c0a80101-0000-4000-8000-0000000000a1', 'c0a80101-0000-4000-8000-0000000000a2'],
  },
  'token-b': {
    squad: 'c0a80101-0000-4000-8000-0000000000b0',
    athletes: ['c0a80101-0000-4000-8000-0000000000b1', 'c0a80101-0000-4000-8000-0000000000b2'],
  },
} as const;
type Token = keyof typeof ORGANISATIONS;
const CALLERS: TrafficCaller[] = [
  { name: 'A', token: 'token-a' },
  { name: 'B', token: 'token-b' },
];

interface Seen {
  method: string;
  url: string;
  tenant: string | undefined;
  token: string | undefined;
  body: string;
}

/**
 * A small athlete API on port 0 that records what it was sent and answers as legacy does: 401 without
 * a known token, 404 for another organisation's rows, one wellness entry per athlete and day (409),
 * entries listed oldest first.
 */
let server: http.Server;
let baseUrl: URL;
let delayMs = 0;
/** How many of the next earliest-entry lookups (a wellness list of page size 1) fail with a 503. */
let failingLookups = 0;
const seen: Seen[] = [];
const entries = new Map<string, Set<string>>();

function answer(req: http.IncomingMessage, body: string): [number, unknown] {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const own = token === undefined ? undefined : ORGANISATIONS[token as Token];
  if (own === undefined) return [401, undefined];
  const url = new URL(req.url ?? '/', 'http://api');
  if (url.pathname === '/api/squads') return [200, [{ SquadId: own.squad }]];
  if (url.pathname === '/api/athletes') return [200, own.athletes.map((AthleteId) => ({ AthleteId }))];
  if (url.pathname === `/api/squads/${own.squad}/athletes`) return [200, []];
  const athlete = own.athletes.find((id) => url.pathname.startsWith(`/api/athletes/${id}`));
  if (athlete === undefined) return [404, {}];
  if (!url.pathname.endsWith('/wellness')) return [200, { AthleteId: athlete }];
  const days = entries.get(athlete) ?? new Set<string>();
  entries.set(athlete, days);
  if (req.method === 'POST') {
    const day = String((JSON.parse(body) as { EntryDate: unknown }).EntryDate);
    if (days.has(day)) return [409, {}];
    days.add(day);
    return [201, {}];
  }
  const page = Number(url.searchParams.get('page') ?? 1);
  const size = Number(url.searchParams.get('pageSize') ?? 20);
  if (size === 1 && failingLookups > 0) {
    failingLookups -= 1;
    return [503, {}];
  }
  const sorted = [...days].sort().map((day) => ({ EntryDate: `${day}T00:00:00` }));
  return [200, sorted.slice((page - 1) * size, page * size)];
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        tenant: req.headers['x-tenant-id'] as string,
        token: /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1],
        body,
      });
      const [status, value] = answer(req, body);
      setTimeout(
        () => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value)),
        delayMs,
      );
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
      callers: CALLERS,
    });
    expect(summary.requests).toBe(120);
    expect(seen).toHaveLength(120);
    expect(Object.values(summary.byKind).reduce((a, b) => a + b, 0)).toBe(120);
    expect(Object.values(summary.byCaller).reduce((a, b) => a + b, 0)).toBe(120);
    expect(Object.values(summary.byStatus).reduce((a, b) => a + b, 0) + summary.failures).toBe(120);
    expect(summary.failures).toBe(0);
    const paths = seen.map((s) => s.url);
    // Each caller first finds its own rows.
    expect(paths.slice(0, 4)).toEqual([
      '/api/squads',
      '/api/athletes?page=1&pageSize=50',
      '/api/squads',
      '/api/athletes?page=1&pageSize=50',
    ]);
    expect(seen.slice(0, 4).map((s) => s.token)).toEqual(['token-a', 'token-a', 'token-b', 'token-b']);
    const squads = Object.values(ORGANISATIONS).map((o) => o.squad);
    const athletes = Object.values(ORGANISATIONS).flatMap((o) => o.athletes);
    expect(paths.some((p) => squads.some((id) => p === `/api/squads/${id}/athletes`))).toBe(true);
    expect(paths.some((p) => /^\/api\/athletes\?page=\d&pageSize=\d+$/.test(p))).toBe(true);
    expect(paths.some((p) => athletes.some((id) => p === `/api/athletes/${id}/wellness`))).toBe(true);
    const posts = seen.filter((s) => s.method === 'POST');
    expect(posts.length).toBeGreaterThan(5);
    expect(JSON.parse(posts[0]?.body ?? '{}')).toMatchObject({
      EntryDate: expect.stringMatching(/^\d{4}-\d\d-\d\d$/),
      Sleep: expect.any(Number),
    });
    // Known ids dominate: the generator exercises real rows, with a few deliberate 404s.
    expect(summary.byStatus['200'] ?? 0).toBeGreaterThan(summary.byStatus['404'] ?? 0);
    expect(new Set(seen.map((s) => s.tenant)).size).toBeGreaterThan(5);
    expect(formatSummary(summary)).toMatch(
      /^120 requests in [\s\S]*by caller:\n {2}A +\d+\n(?: {2}anonymous +\d+\n)? {2}B +\d+$/,
    );
  });

  it("works on each caller's own organisation, with a few requests legacy refuses (no token) or hides (another organisation's athlete)", async () => {
    seen.length = 0;
    const summary = await runTraffic({
      ...DEFAULT_TRAFFIC,
      baseUrl,
      requests: 400,
      durationMs: 20_000,
      callers: CALLERS,
    });
    expect(summary.byKind).toMatchObject({
      'athlete-of-another-organisation': expect.any(Number),
      'no-token': expect.any(Number),
    });
    expect(summary.byStatus['401']).toBe(summary.byKind['no-token']);
    expect(seen.filter((s) => s.token === undefined).every((s) => s.url === '/api/squads')).toBe(true);
    // Apart from those, a caller only ever names its own organisation's rows.
    for (const s of seen.filter((one) => one.token !== undefined)) {
      const own = ORGANISATIONS[s.token as Token];
      const others = Object.values(ORGANISATIONS).filter((o) => o !== own);
      const foreign = others.some(
        (o) => o.athletes.some((id) => s.url.includes(id)) || s.url.includes(o.squad),
      );
      if (foreign) expect({ url: s.url, method: s.method }).toEqual({ url: s.url, method: 'GET' });
    }
    expect(summary.byStatus['404']).toBeGreaterThanOrEqual(
      summary.byKind['athlete-of-another-organisation']!,
    );
  });

  it('runs twice in a row without a 409: new wellness entries go on days their athlete has none', async () => {
    entries.clear();
    const options = {
      ...DEFAULT_TRAFFIC,
      baseUrl,
      requests: 150,
      writeRatio: 0.6,
      concurrency: 4,
      callers: CALLERS,
    };
    const first = await runTraffic(options);
    const second = await runTraffic(options);
    for (const run of [first, second]) {
      expect(run.byStatus['201'] ?? 0).toBeGreaterThan(20);
      expect(run.byStatus['409']).toBeUndefined();
    }
    const created = [...entries.values()].reduce((n, days) => n + days.size, 0);
    expect(created).toBe((first.byStatus['201'] ?? 0) + (second.byStatus['201'] ?? 0));
  });

  it("writes no entry when the lookup of its athlete's days fails, instead of guessing a taken day", async () => {
    entries.clear();
    // As the demo is seeded: every athlete has entries up to today.
    const today = new Date().toISOString().slice(0, 10);
    for (const { athletes } of Object.values(ORGANISATIONS)) {
      for (const id of athletes) entries.set(id, new Set([dayBefore(today), today]));
    }
    failingLookups = 1000;
    try {
      const options = { ...DEFAULT_TRAFFIC, baseUrl, requests: 150, writeRatio: 0.6, callers: CALLERS };
      const failing = await runTraffic(options);
      expect(failing.byStatus['503']).toBeGreaterThan(0);
      expect(failing.byStatus['201']).toBeUndefined();
      expect(failing.byStatus['409']).toBeUndefined();
      failingLookups = 0;
      const recovered = await runTraffic(options);
      expect(recovered.byStatus['201']).toBeGreaterThan(20);
      expect(recovered.byStatus['409']).toBeUndefined();
    } finally {
      failingLookups = 0;
    }
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
      callers: CALLERS,
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
    expect(summary).toMatchObject({ requests: 10, failures: 10, byCaller: { anonymous: 10 } });
  });

  it('rejects bad arguments all at once', () => {
    expect(() =>
      parseTrafficArgs(['--requests', '0', '--write-ratio', '2', '--base-url', 'nope', '--issuer', 'nope']),
    ).toThrow(
      /--base-url is not a URL[\s\S]*--issuer is not a URL[\s\S]*--requests must be an integer between 1 and 1000000[\s\S]*--write-ratio must be a number between 0 and 1/,
    );
    expect(parseTrafficArgs(['--duration', '5'])).toMatchObject({
      durationMs: 5000,
      requests: 300,
      issuer: undefined,
    });
  });
});
