import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import diagnosticsChannel from 'node:diagnostics_channel';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSilentLogger } from '../src/observability/logger.ts';
import { flagNameFor } from '../src/routing/route.ts';
import { createFlagResolver } from './create-flag-resolver.ts';
import { createOfflineFlagSource } from './offline-flag-source.ts';
import { createUnleashFlagResolver } from './unleash-flag-resolver.ts';
import { parseFlagsDocument } from './flag-definition.ts';
import { KILL_SWITCH_FLAG, type FlagResolver } from './flag-resolver.ts';
import { createCapturingLogger, rolloutFlag, startReferenceUnleash, waitFor } from './flag-test-support.ts';

const ROUTE = flagNameFor('athletes-list');
const OTHER = flagNameFor('squads-list');

let dir: string;
let file: string;
const resolvers: FlagResolver[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strangler-flags-'));
});
afterEach(async () => {
  await Promise.all(resolvers.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileCounter = 0;
async function writeFlags(features: readonly unknown[], target = file): Promise<void> {
  // Written elsewhere and renamed over the file, as editors and `kubectl cp` do.
  const staging = join(dir, `.staging-${fileCounter++}`);
  await writeFile(staging, JSON.stringify({ version: 2, features }));
  await rename(staging, target);
}

async function offlineResolver(features: readonly unknown[] | undefined, logger = createSilentLogger()) {
  file = join(dir, `flags-${fileCounter++}.json`);
  if (features !== undefined) await writeFlags(features);
  const resolver = await createFlagResolver({
    unleash: undefined,
    flagsFile: file,
    backupDir: join(dir, 'unused-backup'),
    logger,
    refreshIntervalMs: 500,
  });
  resolvers.push(resolver);
  return resolver;
}

const caller = (id: string) => ({ stickinessId: id });

describe('offline flags: mode resolution', () => {
  it('sends a route whose flag is missing to legacy', async () => {
    const flags = await offlineResolver([rolloutFlag(OTHER)]);
    expect(flags.decide(ROUTE, caller('a'))).toEqual({ mode: 'legacy', serve: 'legacy' });
    expect(flags.currentMode(ROUTE)).toBe('legacy');
  });

  it('sends a route whose flag is disabled to legacy', async () => {
    const flags = await offlineResolver([rolloutFlag(ROUTE, { enabled: false })]);
    expect(flags.decide(ROUTE, caller('a'))).toEqual({ mode: 'legacy', serve: 'legacy' });
    expect(flags.currentMode(ROUTE)).toBe('legacy');
  });

  it('serves new when the flag is enabled for everyone without variants', async () => {
    const flags = await offlineResolver([rolloutFlag(ROUTE)]);
    expect(flags.decide(ROUTE, caller('a'))).toEqual({ mode: 'new', serve: 'new' });
    expect(flags.currentMode(ROUTE)).toBe('new');
    expect(flags.decide(OTHER, caller('a')).serve).toBe('legacy');
  });

  it('follows the variant name: shadow serves legacy and carries the payload sample rate', async () => {
    const flags = await offlineResolver([
      rolloutFlag(ROUTE, {
        variants: [{ name: 'shadow', weight: 1000, payload: { type: 'json', value: '{"sampleRate":0.2}' } }],
      }),
      rolloutFlag(OTHER, { variants: [{ name: 'new', weight: 1000 }] }),
      rolloutFlag('strangler.pinned', { variants: [{ name: 'legacy', weight: 1000 }] }),
    ]);
    expect(flags.decide(ROUTE, caller('a'))).toEqual({ mode: 'shadow', serve: 'legacy', sampleRate: 0.2 });
    expect(flags.currentMode(ROUTE)).toBe('shadow');
    expect(flags.decide(OTHER, caller('a'))).toEqual({ mode: 'new', serve: 'new' });
    expect(flags.decide('strangler.pinned', caller('a'))).toEqual({ mode: 'legacy', serve: 'legacy' });
  });

  it('ignores a sample rate outside 0..1 or in a malformed payload', async () => {
    const flags = await offlineResolver([
      rolloutFlag(ROUTE, {
        variants: [{ name: 'shadow', weight: 1000, payload: { type: 'json', value: '{"sampleRate":7}' } }],
      }),
      rolloutFlag(OTHER, {
        variants: [{ name: 'shadow', weight: 1000, payload: { type: 'json', value: '{' } }],
      }),
    ]);
    expect(flags.decide(ROUTE, caller('a'))).toEqual({ mode: 'shadow', serve: 'legacy' });
    expect(flags.decide(OTHER, caller('a'))).toEqual({ mode: 'shadow', serve: 'legacy' });
  });

  it('treats an unknown variant name as legacy and logs it once', async () => {
    const capture = createCapturingLogger();
    const flags = await offlineResolver(
      [rolloutFlag(ROUTE, { variants: [{ name: 'nwe', weight: 1000 }] })],
      capture.logger,
    );
    for (let i = 0; i < 5; i++)
      expect(flags.decide(ROUTE, caller(`c${i}`))).toEqual({ mode: 'legacy', serve: 'legacy' });
    expect(flags.currentMode(ROUTE)).toBe('legacy');
    const warnings = capture.lines().filter((l) => l.message === 'unknown flag variant, serving legacy');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', flag: ROUTE, variant: 'nwe' });
  });

  it('sends every route to legacy while the kill switch is on', async () => {
    const flags = await offlineResolver([
      { name: KILL_SWITCH_FLAG, enabled: true, strategies: [{ name: 'default', parameters: {} }] },
      rolloutFlag(ROUTE),
      rolloutFlag(OTHER, { variants: [{ name: 'shadow', weight: 1000 }] }),
    ]);
    expect(flags.killSwitchOn()).toBe(true);
    expect(flags.decide(ROUTE, caller('a'))).toEqual({ mode: 'legacy', serve: 'legacy' });
    expect(flags.decide(OTHER, caller('a'))).toEqual({ mode: 'legacy', serve: 'legacy' });
    expect(flags.currentMode(ROUTE)).toBe('legacy');
  });

  it('leaves routes alone while the kill switch flag exists but is off', async () => {
    const flags = await offlineResolver([
      { name: KILL_SWITCH_FLAG, enabled: false, strategies: [{ name: 'default', parameters: {} }] },
      rolloutFlag(ROUTE),
    ]);
    expect(flags.killSwitchOn()).toBe(false);
    expect(flags.decide(ROUTE, caller('a')).serve).toBe('new');
  });
});

describe('offline flags: sticky canary', () => {
  it('puts about half of the callers on new at 50% and keeps each caller on its side', async () => {
    const flags = await offlineResolver([rolloutFlag(ROUTE, { rollout: 50 })]);
    expect(flags.currentMode(ROUTE)).toBe('canary');
    const sides = new Map<string, string>();
    for (let i = 0; i < 1000; i++) {
      const decision = flags.decide(ROUTE, caller(`tenant-${i}`));
      expect(decision.mode).toBe('canary');
      sides.set(`tenant-${i}`, decision.serve);
    }
    const onNew = [...sides.values()].filter((s) => s === 'new').length;
    expect(onNew).toBeGreaterThan(430);
    expect(onNew).toBeLessThan(570);
    for (const [id, side] of sides) {
      for (let repeat = 0; repeat < 3; repeat++) expect(flags.decide(ROUTE, caller(id)).serve).toBe(side);
    }
  });

  it('keeps the callers already on new when the percentage grows', async () => {
    const flags = await offlineResolver([rolloutFlag(ROUTE, { rollout: 20 })]);
    const ids = Array.from({ length: 300 }, (_, i) => `tenant-${i}`);
    const atTwenty = ids.filter((id) => flags.decide(ROUTE, caller(id)).serve === 'new');
    await writeFlags([rolloutFlag(ROUTE, { rollout: 60 })]);
    await waitFor(
      () => ids.filter((id) => flags.decide(ROUTE, caller(id)).serve === 'new').length > atTwenty.length,
      2000,
      'rollout 60%',
    );
    for (const id of atTwenty) expect(flags.decide(ROUTE, caller(id)).serve).toBe('new');
  });

  it('reports canary for weighted variants that mix new and legacy, and splits callers by weight', async () => {
    const flags = await offlineResolver([
      rolloutFlag(ROUTE, {
        variants: [
          { name: 'new', weight: 500 },
          { name: 'shadow', weight: 500 },
        ],
      }),
    ]);
    expect(flags.currentMode(ROUTE)).toBe('canary');
    const onNew = Array.from({ length: 1000 }, (_, i) => flags.decide(ROUTE, caller(`t${i}`)).serve).filter(
      (s) => s === 'new',
    ).length;
    expect(onNew).toBeGreaterThan(430);
    expect(onNew).toBeLessThan(570);
  });

  it('sends nobody to new at 0% and reports the route as legacy', async () => {
    const flags = await offlineResolver([rolloutFlag(ROUTE, { rollout: 0 })]);
    expect(flags.currentMode(ROUTE)).toBe('legacy');
    for (let i = 0; i < 100; i++) expect(flags.decide(ROUTE, caller(`t${i}`)).serve).toBe('legacy');
  });
});

describe('offline flags: flags every caller resolves alike', () => {
  it('decides flags that treat every caller alike exactly as unleash-client evaluates each caller', async () => {
    const shadowPayload = { type: 'json', value: '{"sampleRate":0.3}' };
    const features = [
      rolloutFlag('strangler.off', { enabled: false }),
      rolloutFlag('strangler.all-new'),
      rolloutFlag('strangler.zero', { rollout: 0 }),
      rolloutFlag('strangler.one-shadow', {
        variants: [{ name: 'shadow', weight: 1000, payload: shadowPayload }],
      }),
      rolloutFlag('strangler.one-legacy', { variants: [{ name: 'legacy', weight: 1000 }] }),
      { name: 'strangler.no-strategies', enabled: true, strategies: [] },
      { name: 'strangler.default', enabled: true, strategies: [{ name: 'default', parameters: {} }] },
    ];
    const flags = await offlineResolver(features);
    const reference = await startReferenceUnleash(features);
    try {
      for (const { name } of features) {
        for (let i = 0; i < 50; i++) {
          const id = `tenant-${i}`;
          const variant = reference.getVariant(name as string, { userId: id, sessionId: id });
          const expected = !variant.feature_enabled
            ? 'legacy'
            : !variant.enabled
              ? 'new'
              : variant.name === 'new'
                ? 'new'
                : 'legacy';
          expect([name, flags.decide(name as string, caller(id)).serve]).toEqual([name, expected]);
        }
      }
      expect(flags.decide('strangler.one-shadow', caller('x'))).toEqual({
        mode: 'shadow',
        serve: 'legacy',
        sampleRate: 0.3,
      });
      expect(flags.currentMode('strangler.default')).toBe('new');
      expect(flags.currentMode('strangler.no-strategies')).toBe('new');
    } finally {
      reference.destroy();
    }
  });

  it('evaluates per caller when a constrained strategy precedes the one that covers everyone', async () => {
    const flags = await offlineResolver([
      {
        name: ROUTE,
        enabled: true,
        strategies: [
          {
            name: 'flexibleRollout',
            parameters: { rollout: '100', stickiness: 'default', groupId: ROUTE },
            constraints: [{ contextName: 'userId', operator: 'IN', values: ['pilot-tenant'] }],
          },
          {
            name: 'flexibleRollout',
            parameters: { rollout: '100', stickiness: 'default', groupId: ROUTE },
            variants: [{ name: 'shadow', weight: 1000, weightType: 'variable', stickiness: 'default' }],
          },
        ],
      },
    ]);
    expect(flags.currentMode(ROUTE)).toBe('canary');
    expect(flags.decide(ROUTE, caller('pilot-tenant')).serve).toBe('new');
    expect(flags.decide(ROUTE, caller('someone-else'))).toEqual({ mode: 'canary', serve: 'legacy' });
  });
});

describe('offline flags: file reloads', () => {
  it('applies an edit within 2 s without a restart', async () => {
    const flags = await offlineResolver([rolloutFlag(ROUTE, { enabled: false })]);
    expect(flags.currentMode(ROUTE)).toBe('legacy');
    await writeFlags([rolloutFlag(ROUTE)]);
    const tookMs = await waitFor(() => flags.currentMode(ROUTE) === 'new', 2000, 'the edit');
    expect(tookMs).toBeLessThan(2000);
    expect(flags.decide(ROUTE, caller('a')).serve).toBe('new');
  });

  it('applies an edit within 2 s by stat polling alone where fs.watch reports nothing', async () => {
    file = join(dir, `flags-${fileCounter++}.json`);
    await writeFlags([rolloutFlag(ROUTE, { enabled: false })]);
    const logger = createSilentLogger();
    const source = await createOfflineFlagSource({
      flagsFile: file,
      logger,
      pollIntervalMs: 500,
      fsWatch: false,
    });
    const flags = createUnleashFlagResolver(source, logger);
    resolvers.push(flags);
    await writeFlags([rolloutFlag(ROUTE)]);
    const tookMs = await waitFor(() => flags.currentMode(ROUTE) === 'new', 2000, 'the polled edit');
    expect(tookMs).toBeLessThan(2000);
  });

  it('applies an in-place rewrite of the same file too', async () => {
    const flags = await offlineResolver([rolloutFlag(ROUTE)]);
    await writeFile(file, JSON.stringify({ version: 2, features: [rolloutFlag(ROUTE, { enabled: false })] }));
    await waitFor(() => flags.currentMode(ROUTE) === 'legacy', 2000, 'the in-place edit');
  });

  it('keeps the last good flags when an edit is not valid JSON or has the wrong shape, and logs why', async () => {
    const capture = createCapturingLogger();
    const flags = await offlineResolver([rolloutFlag(ROUTE)], capture.logger);
    await writeFile(file, '{ "version": 2, "features": [ ');
    await waitFor(
      () =>
        capture.lines().some((l) => l.message === 'flags file rejected; the last good flags stay in force'),
      2000,
      'the rejection of invalid JSON',
    );
    expect(flags.currentMode(ROUTE)).toBe('new');

    await writeFile(file, JSON.stringify({ version: 2, features: [{ name: ROUTE, enabled: 'yes' }] }));
    await waitFor(
      () =>
        capture.lines().filter((l) => l.message === 'flags file rejected; the last good flags stay in force')
          .length === 2,
      2000,
      'the rejection of the wrong shape',
    );
    const rejected = capture
      .lines()
      .filter((l) => l.message === 'flags file rejected; the last good flags stay in force');
    expect(rejected[1]).toMatchObject({ level: 'error' });
    expect(rejected[1]?.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('enabled must be true or false'),
        expect.stringContaining('strategies must be an array'),
      ]),
    );
    expect(flags.decide(ROUTE, caller('a')).serve).toBe('new');

    await writeFlags([rolloutFlag(ROUTE, { variants: [{ name: 'shadow', weight: 1000 }] })]);
    await waitFor(() => flags.currentMode(ROUTE) === 'shadow', 2000, 'the repaired file');
  });

  it('keeps the last good flags while the file is deleted, logging it once, and follows its return', async () => {
    const capture = createCapturingLogger();
    const flags = await offlineResolver([rolloutFlag(ROUTE)], capture.logger);
    await rm(file);
    const unreadable = () =>
      capture.lines().filter((l) => l.message === 'flags file unreadable; the last good flags stay in force');
    await waitFor(() => unreadable().length > 0, 2000, 'the deletion to be noticed');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(unreadable()).toHaveLength(1);
    expect(flags.currentMode(ROUTE)).toBe('new');
    await writeFlags([rolloutFlag(ROUTE, { rollout: 50 })]);
    await waitFor(() => flags.currentMode(ROUTE) === 'canary', 2000, 'the recreated file');
  });

  it('starts with every route on legacy when the file is missing, and picks the file up once it appears', async () => {
    const flags = await offlineResolver(undefined);
    expect(flags.isReady()).toBe(false);
    expect(flags.decide(ROUTE, caller('a')).serve).toBe('legacy');
    await writeFlags([rolloutFlag(ROUTE)]);
    await waitFor(() => flags.isReady() && flags.currentMode(ROUTE) === 'new', 2000, 'the new file');
  });

  it('makes no network request at all, through a load, evaluations and a reload', async () => {
    // node:http and fetch (undici) publish every outgoing request on these channels.
    const requests: string[] = [];
    const onRequest = (_message: unknown, name: string | symbol) => requests.push(String(name));
    const channels = ['http.client.request.start', 'undici:request:create', 'net.client.socket'];
    for (const channel of channels) diagnosticsChannel.subscribe(channel, onRequest);
    try {
      const flags = await offlineResolver([rolloutFlag(ROUTE, { rollout: 50 })]);
      for (let i = 0; i < 100; i++) flags.decide(ROUTE, caller(`t${i}`));
      await writeFlags([rolloutFlag(ROUTE)]);
      await waitFor(() => flags.currentMode(ROUTE) === 'new', 2000, 'the edit');
      await flags.stop();
      expect(requests).toEqual([]);
    } finally {
      for (const channel of channels) diagnosticsChannel.unsubscribe(channel, onRequest);
    }
  });

  it('counts a file with no flags as loaded, every route legacy', async () => {
    const flags = await offlineResolver([]);
    expect(flags.isReady()).toBe(true);
    expect(flags.decide(ROUTE, caller('a'))).toEqual({ mode: 'legacy', serve: 'legacy' });
  });
});

describe('the bundled flags/flags.json', () => {
  it('is valid, has the kill switch off, the read-only list routes in shadow and the rest on legacy', async () => {
    const text = await readFile(new URL('./flags.json', import.meta.url), 'utf8');
    const document = parseFlagsDocument(text);
    const routes = [
      'athletes-list',
      'athletes-get',
      'athletes-create',
      'athletes-update',
      'athletes-delete',
      'squad-athletes-list',
      'squads-list',
      'wellness-list',
      'wellness-create',
    ];
    expect(document.features.map((f) => f.name).sort()).toEqual(
      [KILL_SWITCH_FLAG, ...routes.map(flagNameFor)].sort(),
    );
    const flags = await offlineResolver(document.features);
    expect(flags.killSwitchOn()).toBe(false);
    // The demo's QA report fills with the first traffic (README, walkthrough); athletes-get starts on
    // legacy for the walkthrough's switch to new, and no write is shadowed until someone chooses to.
    const shadowed = new Set(['squads-list', 'squad-athletes-list', 'wellness-list']);
    for (const id of routes) {
      expect([id, flags.currentMode(flagNameFor(id))]).toEqual([id, shadowed.has(id) ? 'shadow' : 'legacy']);
    }
  });
});
