import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonResponse } from '../src/handlers/new-handler.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { createPublicServer } from '../src/proxy/public-server.ts';
import { createRouteTable } from '../src/routing/route-table.ts';
import { flagNameFor } from '../src/routing/route.ts';
import { startUnleashServer, type UnleashServerHarness } from '../src/testing/unleash-server-harness.ts';
import { createFlagResolver } from './create-flag-resolver.ts';
import type { FlagResolver } from './flag-resolver.ts';
import { createCapturingLogger, waitFor } from './flag-test-support.ts';

/*
 * Flag changes against a real unleash-server: one server for the file (it takes seconds to start), so
 * the tests run in order and each leaves its flag in a stated condition for the next.
 */

const FLAG = flagNameFor('athletes-list');
const PROXIED_FLAG = flagNameFor('squads-list');
/** Unleash publishes a change within ~1 s (its revision poller) and the resolver polls every 1 s. */
const VISIBLE_WITHIN_MS = 2000;

let unleash: UnleashServerHarness;
let backupDir: string;
const resolvers: FlagResolver[] = [];

beforeAll(async () => {
  unleash = await startUnleashServer();
  backupDir = await mkdtemp(join(tmpdir(), 'strangler-unleash-backup-'));
}, 150_000);

afterAll(async () => {
  await Promise.all(resolvers.map((r) => r.stop()));
  await unleash?.stop();
  await rm(backupDir, { recursive: true, force: true });
}, 30_000);

async function onlineResolver(logger = createSilentLogger()): Promise<FlagResolver> {
  const resolver = await createFlagResolver({
    unleash: { url: unleash.url, apiToken: unleash.clientApiToken, appName: 'strangler-it' },
    flagsFile: join(backupDir, 'not-used-online.json'),
    backupDir,
    logger,
  });
  resolvers.push(resolver);
  return resolver;
}

const callers = Array.from({ length: 400 }, (_, i) => `tenant-${i}`);
const sidesOf = (flags: FlagResolver) => callers.map((id) => flags.decide(FLAG, { stickinessId: id }).serve);

describe('flags from a real Unleash server', () => {
  let flags: FlagResolver;
  const capture = createCapturingLogger();

  it('moves a route legacy → canary 50% → new → legacy, each change in force within 2 s, canary sticky', async () => {
    await unleash.createFlag(FLAG);
    flags = await onlineResolver(capture.logger);
    expect(flags.isReady()).toBe(true);
    expect(flags.currentMode(FLAG)).toBe('legacy');
    expect(new Set(sidesOf(flags))).toEqual(new Set(['legacy']));

    await unleash.setRollout(FLAG, 50);
    await unleash.enable(FLAG);
    const toCanary = await waitFor(() => flags.currentMode(FLAG) === 'canary', VISIBLE_WITHIN_MS, 'canary');
    const canary = sidesOf(flags);
    const onNew = canary.filter((side) => side === 'new').length;
    expect(onNew).toBeGreaterThan(callers.length * 0.4);
    expect(onNew).toBeLessThan(callers.length * 0.6);
    for (let repeat = 0; repeat < 3; repeat++) expect(sidesOf(flags)).toEqual(canary);

    await unleash.setRollout(FLAG, 100);
    const toNew = await waitFor(() => flags.currentMode(FLAG) === 'new', VISIBLE_WITHIN_MS, 'new');
    expect(new Set(sidesOf(flags))).toEqual(new Set(['new']));

    await unleash.disable(FLAG);
    const toLegacy = await waitFor(() => flags.currentMode(FLAG) === 'legacy', VISIBLE_WITHIN_MS, 'legacy');
    expect(new Set(sidesOf(flags))).toEqual(new Set(['legacy']));
    if (process.env.STRANGLER_REPORT_TIMINGS !== undefined) {
      console.log(`flag change visible after: canary ${toCanary} ms, new ${toNew} ms, legacy ${toLegacy} ms`);
    }
  });

  it('turns a shadow variant and its payload into shadow mode with the sample rate', async () => {
    await unleash.setVariants(FLAG, [
      { name: 'shadow', payload: { type: 'json', value: '{"sampleRate":0.25}' } },
    ]);
    await unleash.enable(FLAG);
    await waitFor(() => flags.currentMode(FLAG) === 'shadow', VISIBLE_WITHIN_MS, 'shadow');
    expect(flags.decide(FLAG, { stickinessId: 'tenant-1' })).toEqual({
      mode: 'shadow',
      serve: 'legacy',
      sampleRate: 0.25,
    });
    await unleash.setVariants(FLAG, []);
    await waitFor(() => flags.currentMode(FLAG) === 'new', VISIBLE_WITHIN_MS, 'new without variants');
  });

  it('keeps the last known flags in force while Unleash is down, logging the outage at warn', async () => {
    expect(flags.currentMode(FLAG)).toBe('new');
    await unleash.kill();
    await waitFor(
      () =>
        capture
          .lines()
          .some((line) => line.level === 'warn' && String(line.message).startsWith('unleash-client')),
      5000,
      'the outage to be noticed',
    );
    // A few more polls against the dead server.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(flags.isReady()).toBe(true);
    expect(flags.currentMode(FLAG)).toBe('new');
    expect(new Set(sidesOf(flags))).toEqual(new Set(['new']));
    const outageLines = capture.lines().filter((line) => String(line.message).startsWith('unleash-client'));
    expect(outageLines.every((line) => line.level === 'warn')).toBe(true);
    // Once per distinct problem, not once per poll.
    expect(outageLines.length).toBeLessThanOrEqual(2);
  }, 20_000);

  it('starts a new resolver from the backup of the last fetched flags while Unleash is down', async () => {
    const started = Date.now();
    const restarted = await onlineResolver();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(restarted.isReady()).toBe(true);
    expect(restarted.currentMode(FLAG)).toBe('new');
    expect(restarted.decide(FLAG, { stickinessId: 'tenant-7' })).toEqual({ mode: 'new', serve: 'new' });
  });

  it('follows the server again once it is back', async () => {
    await unleash.restart();
    await unleash.disable(FLAG);
    // unleash-client backs off while the server is down (one interval more per failure), so recovery
    // may take several seconds; what matters is that it comes without a restart.
    await waitFor(() => flags.currentMode(FLAG) === 'legacy', 20_000, 'the change after recovery');
    await waitFor(
      () => capture.lines().some((line) => line.message === 'flags fetched from Unleash again'),
      2000,
      'the recovery log line',
    );
  }, 150_000);
});

describe('an Unleash that cannot be used at startup', () => {
  it('starts not ready, every route legacy, when Unleash is unreachable and there is no backup', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const capture = createCapturingLogger();
    const emptyBackup = await mkdtemp(join(tmpdir(), 'strangler-unleash-nobackup-'));
    try {
      const flags = await createFlagResolver({
        unleash: {
          url: `http://127.0.0.1:${port}/api/`,
          apiToken: unleash.clientApiToken,
          appName: 'strangler-it',
        },
        flagsFile: join(emptyBackup, 'not-used.json'),
        backupDir: emptyBackup,
        logger: capture.logger,
      });
      resolvers.push(flags);
      expect(flags.isReady()).toBe(false);
      expect(flags.decide(FLAG, { stickinessId: 'a' })).toEqual({ mode: 'legacy', serve: 'legacy' });
      expect(capture.lines()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ level: 'warn', message: expect.stringMatching(/^unleash-client/) }),
          expect.objectContaining({
            level: 'warn',
            message: 'no flags from Unleash or its backup yet; every route is legacy until they arrive',
          }),
        ]),
      );
    } finally {
      await rm(emptyBackup, { recursive: true, force: true });
    }
  });

  it('logs a rejected API token at warn and serves legacy', async () => {
    const capture = createCapturingLogger();
    const emptyBackup = await mkdtemp(join(tmpdir(), 'strangler-unleash-badtoken-'));
    try {
      const flags = await createFlagResolver({
        unleash: {
          url: unleash.url,
          apiToken: 'default:development.wrong-token',
          appName: 'strangler-bad-token',
        },
        flagsFile: join(emptyBackup, 'not-used.json'),
        backupDir: emptyBackup,
        logger: capture.logger,
      });
      resolvers.push(flags);
      expect(flags.isReady()).toBe(false);
      expect(flags.decide(FLAG, { stickinessId: 'a' }).serve).toBe('legacy');
      const rejected = capture.lines().find((l) => JSON.stringify(l.error ?? '').includes('401'));
      expect(rejected).toMatchObject({ level: 'warn' });
    } finally {
      await rm(emptyBackup, { recursive: true, force: true });
    }
  });
});

describe('a route walked through the public proxy with Unleash flags', () => {
  it('serves legacy → sticky canary 50% → new → legacy to real clients', async () => {
    const legacy = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ side: 'legacy' }));
    });
    await new Promise<void>((resolve) => legacy.listen(0, '127.0.0.1', resolve));
    await unleash.createFlag(PROXIED_FLAG);
    const flags = await onlineResolver();
    const proxy = createPublicServer({
      config: {
        legacyUrl: new URL(`http://127.0.0.1:${(legacy.address() as AddressInfo).port}`),
        legacyTimeoutMs: 5000,
        hostHeader: 'rewrite',
      },
      routes: createRouteTable([
        {
          id: 'squads-list',
          methods: ['GET'],
          path: '/api/squads',
          flag: PROXIED_FLAG,
          handler: async () => jsonResponse(200, { side: 'new' }),
          stickiness: { kind: 'header', name: 'X-Tenant-Id' },
        },
      ]),
      flags,
      metrics: createMetrics({ defaultMetrics: false }),
      logger: createSilentLogger(),
      shutdownGraceMs: 200,
    });
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
    const tenants = Array.from({ length: 40 }, (_, i) => `tenant-${i}`);
    const served = async (tenant: string): Promise<string> => {
      const response = await fetch(`${base}/api/squads`, { headers: { 'X-Tenant-Id': tenant } });
      expect(response.status).toBe(200);
      return ((await response.json()) as { side: string }).side;
    };
    const servedAll = () => Promise.all(tenants.map(served));
    try {
      expect(new Set(await servedAll())).toEqual(new Set(['legacy']));

      await unleash.setRollout(PROXIED_FLAG, 50);
      await unleash.enable(PROXIED_FLAG);
      await waitFor(() => flags.currentMode(PROXIED_FLAG) === 'canary', VISIBLE_WITHIN_MS, 'canary');
      const canary = await servedAll();
      expect(canary.filter((side) => side === 'new').length).toBeGreaterThanOrEqual(10);
      expect(canary.filter((side) => side === 'legacy').length).toBeGreaterThanOrEqual(10);
      expect(await servedAll()).toEqual(canary);
      // The proxy and the resolver agree on each caller's side.
      expect(canary).toEqual(tenants.map((id) => flags.decide(PROXIED_FLAG, { stickinessId: id }).serve));

      await unleash.setRollout(PROXIED_FLAG, 100);
      await waitFor(() => flags.currentMode(PROXIED_FLAG) === 'new', VISIBLE_WITHIN_MS, 'new');
      expect(new Set(await servedAll())).toEqual(new Set(['new']));

      await unleash.disable(PROXIED_FLAG);
      await waitFor(() => flags.currentMode(PROXIED_FLAG) === 'legacy', VISIBLE_WITHIN_MS, 'legacy');
      expect(new Set(await servedAll())).toEqual(new Set(['legacy']));
    } finally {
      await proxy.close();
      await new Promise<void>((resolve) => {
        legacy.close(() => resolve());
        legacy.closeAllConnections();
      });
    }
  }, 30_000);
});
