/**
 * Everything the soak runs against, on 127.0.0.1, built from the demo's own parts: PostgreSQL (two
 * throw-away databases on TEST_DATABASE_URL's server, or the demo's embedded one), the demo's migration
 * and seed, the demo issuer, the real ASP.NET legacy (restartable on its port), and strangler as its own
 * child process (src/e2e/strangler-process.ts), so the RSS it reports is strangler's alone.
 */
import { chmod, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { createLogger } from '../../src/observability/logger.ts';
import { editFlags, type FlagChange } from '../../src/e2e/flags-file.ts';
import { REPO_ROOT, startStrangler, type StranglerProcess } from '../../src/e2e/strangler-process.ts';
import { createTestDatabase } from '../../src/testing/test-database.ts';
import { demoCallers, demoTokenSigner, type DemoCaller } from '../demo/demo-callers.ts';
import { loadDemoDatabases, prepareDemoDatabases } from '../demo/demo-environment.ts';
import { startDemoIssuer } from '../demo/demo-issuer.ts';
import { DEMO_AUDIENCE } from '../demo/demo-issuer-settings.ts';
import { issuerKeysFile } from '../demo/issuer/issuer-keys.ts';
import { startLegacyAspnet, type LegacyAspnet } from '../legacy-aspnet/legacy-aspnet.ts';
import type { SoakSettings } from './soak-settings.ts';
import { legacyFailureKind } from './log-digest.ts';

/** One route per mode the soak drives (scripts/soak/soak-traffic.ts); the rest keep flags/flags.json's. */
export const SOAK_FLAGS: Readonly<Record<string, FlagChange>> = {
  'strangler.athletes-list': { enabled: false },
  'strangler.wellness-create': { enabled: false },
  'strangler.squads-list': { enabled: true, variants: ['shadow'] },
  'strangler.wellness-list': { enabled: true, variants: ['shadow'] },
  'strangler.athletes-get': { enabled: true },
  'strangler.athletes-update': { enabled: true },
};

export interface SoakStack {
  readonly strangler: StranglerProcess;
  readonly callers: readonly DemoCaller[];
  /** legacy's `fail:`/`crit:` log lines so far, by kind (legacyFailureKind). */
  readonly legacyFailures: ReadonlyMap<string, number>;
  /** Stops the ASP.NET process and starts it again on the same port; resolves once Kestrel listens. */
  restartLegacy(): Promise<void>;
}

/**
 * What to stop, last started first. Owned by the caller from before the first part starts, so a Ctrl-C
 * or the deadline in the middle of startup still stops whatever is up (or about to be).
 */
export class Stops {
  readonly #stops: (() => Promise<unknown>)[] = [];

  /** Registers a part while it starts: stopping waits for the start, then stops what came of it. */
  starting<T extends { stop(): Promise<unknown> }>(part: Promise<T>): Promise<T> {
    this.#stops.push(async () => (await part.catch(() => undefined))?.stop());
    return part;
  }

  add(stop: () => Promise<unknown>): void {
    this.#stops.push(stop);
  }

  async stopAll(log: (line: string) => void): Promise<void> {
    for (let stop = this.#stops.pop(); stop !== undefined; stop = this.#stops.pop()) {
      try {
        await stop();
      } catch (error: unknown) {
        log(`soak: a part did not stop cleanly: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

async function startDatabases(
  settings: SoakSettings,
  workDir: string,
  stops: Stops,
): Promise<{ newUrl: string; legacyUrl: string }> {
  if (settings.serverUrl !== undefined) {
    const newDb = await createTestDatabase('strangler_soak');
    stops.add(() => newDb.drop());
    const legacyDb = await createTestDatabase('strangler_soak_legacy');
    stops.add(() => legacyDb.drop());
    return { newUrl: newDb.url, legacyUrl: legacyDb.url };
  }
  const startDemoDatabases = await loadDemoDatabases();
  const postgres = await stops.starting(startDemoDatabases({ dataDir: path.join(workDir, 'postgres') }));
  return { newUrl: postgres.newUrl, legacyUrl: postgres.legacyUrl };
}

/** Kestrel on a port another Kestrel has just left: the port can stay taken for a moment. */
async function startLegacyOn(
  port: number,
  legacyDatabaseUrl: string,
  auth: LegacyAuth,
  failures: Map<string, number>,
): Promise<LegacyAspnet> {
  const onLog = (line: string): void => {
    const kind = legacyFailureKind(line);
    if (kind !== undefined) failures.set(kind, (failures.get(kind) ?? 0) + 1);
  };
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startLegacyAspnet({ legacyDatabaseUrl, port, auth, onLog });
    } catch (error: unknown) {
      if ((error as { code?: unknown }).code !== 'EADDRINUSE' || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

interface LegacyAuth {
  readonly issuer: string;
  readonly audience: string;
}

export async function startSoakStack(settings: SoakSettings, stops: Stops): Promise<SoakStack> {
  // Run as root, the embedded PostgreSQL runs as `postgres`, which must traverse the work directory.
  const workDir = await mkdtemp(path.join(tmpdir(), 'strangler-soak-'));
  stops.add(() => rm(workDir, { recursive: true, force: true }));
  await chmod(workDir, 0o755);
  const { newUrl, legacyUrl } = await startDatabases(settings, workDir, stops);
  await prepareDemoDatabases(newUrl, legacyUrl, createLogger('warn'));

  const keysFile = issuerKeysFile(workDir);
  const issuer = await stops.starting(
    startDemoIssuer({ port: 0, issuer: '', audience: DEMO_AUDIENCE, keysFile }),
  );
  const auth = { issuer: issuer.auth.issuer, audience: DEMO_AUDIENCE };
  const callers = await demoCallers(await demoTokenSigner({ ...auth, keysFile }), settings.seconds + 900);

  const legacyFailures = new Map<string, number>();
  let legacy = startLegacyOn(0, legacyUrl, auth, legacyFailures);
  stops.add(async () => (await legacy.catch(() => undefined))?.stop());
  const legacyOrigin = (await legacy).url.origin;

  const flagsFile = path.join(workDir, 'flags.json');
  await copyFile(path.join(REPO_ROOT, 'flags', 'flags.json'), flagsFile);
  await editFlags(flagsFile, SOAK_FLAGS);
  const strangler = await stops.starting(
    startStrangler({
      dataDir: path.join(workDir, 'strangler'),
      flagsFile,
      bannerTimeoutMs: 120_000,
      env: {
        DATABASE_URL: newUrl,
        LEGACY_DATABASE_URL: legacyUrl,
        LEGACY_URL: legacyOrigin,
        AUTH_ISSUER: auth.issuer,
        AUTH_AUDIENCE: auth.audience,
        // Production's setting, not the e2e suite's.
        SHADOW_THREAD_PRIORITY: 'idle',
      },
    }),
  );

  return {
    strangler,
    callers,
    legacyFailures,
    async restartLegacy() {
      const running = await legacy;
      await running.stop();
      legacy = startLegacyOn(Number(running.url.port), legacyUrl, auth, legacyFailures);
      await legacy;
    },
  };
}
