/**
 * Configuration from the environment (README.md, "Configuration"). Every problem is collected and
 * reported in one ConfigError, so a bad deployment is fixed in one go.
 */
import {
  DEFAULT_LEGACY_ENGINE,
  isLegacyEngine,
  LEGACY_ENGINES,
  type LegacyEngine,
} from './proxy/legacy-forwarder.ts';
import type { UnleashSettings } from '../flags/online-flag-source.ts';
import type { HostHeaderMode } from './proxy/forward-headers.ts';
import { KESTREL_MAX_REQUEST_BODY_BYTES } from './proxy/legacy-body-limit.ts';
import type { ShadowThreadPriority } from './shadow/thread/shadow-thread.ts';
import { LEGACY_OWNS_ALL, parseOwnership, type SyncOwnership } from './sync/sync-entities.ts';

export interface Config {
  readonly port: number;
  /**
   * True: the public port is bound with SO_REUSEPORT, so several strangler replicas on one host (one
   * per core, each with its own ADMIN_PORT) share PORT and the kernel spreads connections over them.
   */
  readonly reusePort: boolean;
  readonly adminPort: number;
  /** Bind address of the admin port; 127.0.0.1 when the demo tokens are in use. */
  readonly adminHost: string;
  /** Undefined: the bundled legacy stand-in is started (demo). */
  readonly legacyUrl: URL | undefined;
  readonly legacyTimeoutMs: number;
  /** `preserve` sends the client's Host to legacy (App Service custom domains); `rewrite` sends legacy's. */
  readonly hostHeader: HostHeaderMode;
  /** Client that carries plain requests to legacy; WebSocket upgrades always use http-proxy-middleware. */
  readonly proxyEngine: LegacyEngine;
  readonly databaseUrl: string | undefined;
  readonly legacyDatabaseUrl: string | undefined;
  readonly unleash: UnleashSettings | undefined;
  readonly flagsFile: string;
  /** Where the last flags fetched from Unleash are kept, so an outage at startup keeps them in force. */
  readonly flagsBackupDir: string;
  readonly adminQaToken: string;
  readonly adminOperatorToken: string;
  /** True when the admin tokens were generated because none were configured. */
  readonly demoTokens: boolean;
  readonly logLevel: string;
  readonly dataDir: string;
  /** False: the entity schema is migrated as a deploy step (`npm run migrate`), not at startup. */
  readonly migrateOnStart: boolean;
  /** False: handlers write outbox rows but the relay and poller run only in scripts/sync-worker.ts. */
  readonly syncInProcess: boolean;
  readonly syncOwnership: SyncOwnership;
  /**
   * True (default): the shadow side runs on a thread of its own (src/shadow/thread), false: on the
   * proxy's event loop.
   */
  readonly shadowThread: boolean;
  /**
   * CPU priority of the shadow thread on Linux: `idle` (default; SCHED_IDLE, so any proxy work that
   * wakes up preempts it at once) or a nice value 0–19.
   */
  readonly shadowThreadPriority: ShadowThreadPriority;
  /** Demo only: ports of the embedded PostgreSQL (free port when undefined) and the legacy stand-in. */
  readonly embeddedPostgresPort: number | undefined;
  readonly legacyStandInPort: number;
  /**
   * Demo only: which legacy to start when LEGACY_URL is unset: the real ASP.NET Core app or the
   * TypeScript stand-in; undefined picks the ASP.NET app when `dotnet` is on PATH.
   */
  readonly legacyStandIn: LegacyStandIn | undefined;
  /** Legacy's request-body limit, answered by the proxy (see src/proxy/legacy-body-limit.ts); 0 = none. */
  readonly legacyMaxRequestBodyBytes: number;
}

export type LegacyStandIn = 'aspnet' | 'node';

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const LOG_LEVELS = new Set(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']);

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env = process.env, randomToken: () => string = defaultToken): Config {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };
  const url = (name: string, protocols: readonly string[]): string | undefined => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must use ${protocols.join(' or ')} (got "${parsed.protocol}")`);
      }
      return raw;
    } catch {
      problems.push(`${name} is not a valid URL`);
      return undefined;
    }
  };

  const port = int('PORT', 8080, 0, 65535);
  const adminPort = int('ADMIN_PORT', 9090, 0, 65535);
  if (port !== 0 && port === adminPort) problems.push('PORT and ADMIN_PORT must differ');
  const legacyRaw = url('LEGACY_URL', ['http:', 'https:']);
  const legacyTimeoutMs = int('LEGACY_TIMEOUT_MS', 30000, 1, 3_600_000);
  const hostHeaderRaw = str('HOST_HEADER') ?? 'rewrite';
  if (hostHeaderRaw !== 'preserve' && hostHeaderRaw !== 'rewrite') {
    problems.push(`HOST_HEADER must be "preserve" or "rewrite" (got "${hostHeaderRaw}")`);
  }
  const proxyEngineRaw = str('PROXY_ENGINE') ?? DEFAULT_LEGACY_ENGINE;
  if (!isLegacyEngine(proxyEngineRaw)) {
    problems.push(`PROXY_ENGINE must be one of ${LEGACY_ENGINES.join(', ')} (got "${proxyEngineRaw}")`);
  }
  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const legacyDatabaseUrl = url('LEGACY_DATABASE_URL', ['postgres:', 'postgresql:', 'mssql:', 'sqlserver:']);

  const unleashUrl = url('UNLEASH_URL', ['http:', 'https:']);
  const unleashToken = str('UNLEASH_API_TOKEN');
  if (unleashUrl !== undefined && unleashToken === undefined) {
    problems.push('UNLEASH_API_TOKEN is required when UNLEASH_URL is set');
  }
  if (unleashUrl === undefined && unleashToken !== undefined) {
    problems.push('UNLEASH_URL is required when UNLEASH_API_TOKEN is set');
  }

  const bool = (name: string, fallback: boolean): boolean => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    problems.push(`${name} must be "true" or "false" (got "${raw}")`);
    return fallback;
  };
  const reusePort = bool('REUSE_PORT', false);
  const migrateOnStart = bool('MIGRATE_ON_START', true);
  const syncInProcess = bool('SYNC_IN_PROCESS', true);
  const shadowThread = bool('SHADOW_THREAD', true);
  const priorityRaw = str('SHADOW_THREAD_PRIORITY') ?? 'idle';
  let shadowThreadPriority: ShadowThreadPriority = 'idle';
  if (priorityRaw !== 'idle') {
    const nice = Number(priorityRaw);
    if (Number.isInteger(nice) && nice >= 0 && nice <= 19) shadowThreadPriority = nice;
    else problems.push(`SHADOW_THREAD_PRIORITY must be "idle" or a nice value 0–19 (got "${priorityRaw}")`);
  }
  let syncOwnership = LEGACY_OWNS_ALL;
  try {
    syncOwnership = parseOwnership(str('SYNC_OWNERSHIP'));
  } catch (error: unknown) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  const embeddedPostgresPort =
    str('EMBEDDED_POSTGRES_PORT') === undefined ? undefined : int('EMBEDDED_POSTGRES_PORT', 0, 1, 65535);
  const legacyStandInPort = int('LEGACY_STAND_IN_PORT', 5080, 0, 65535);
  const legacyStandIn = str('LEGACY_STAND_IN');
  if (legacyStandIn !== undefined && legacyStandIn !== 'aspnet' && legacyStandIn !== 'node') {
    problems.push(`LEGACY_STAND_IN must be "aspnet" or "node" (got "${legacyStandIn}")`);
  }
  const legacyMaxRequestBodyBytes = int(
    'LEGACY_MAX_REQUEST_BODY_BYTES',
    KESTREL_MAX_REQUEST_BODY_BYTES,
    0,
    Number.MAX_SAFE_INTEGER,
  );

  const logLevel = str('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.has(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${[...LOG_LEVELS].join(', ')} (got "${logLevel}")`);
  }

  const qa = str('ADMIN_QA_TOKEN');
  const operator = str('ADMIN_OPERATOR_TOKEN');
  if ((qa === undefined) !== (operator === undefined)) {
    problems.push('ADMIN_QA_TOKEN and ADMIN_OPERATOR_TOKEN must be set together');
  }
  for (const [name, value] of [
    ['ADMIN_QA_TOKEN', qa],
    ['ADMIN_OPERATOR_TOKEN', operator],
  ] as const) {
    if (value !== undefined && value.length < 16) problems.push(`${name} must be at least 16 characters`);
  }
  if (qa !== undefined && qa === operator) {
    problems.push('ADMIN_QA_TOKEN and ADMIN_OPERATOR_TOKEN must differ');
  }
  const demoTokens = qa === undefined || operator === undefined;

  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = str('DATA_DIR') ?? 'data';
  return {
    port,
    reusePort,
    adminPort,
    adminHost: str('ADMIN_HOST') ?? (demoTokens ? '127.0.0.1' : '0.0.0.0'),
    legacyUrl: legacyRaw === undefined ? undefined : new URL(legacyRaw),
    legacyTimeoutMs,
    hostHeader: hostHeaderRaw as HostHeaderMode,
    proxyEngine: proxyEngineRaw as LegacyEngine,
    databaseUrl,
    legacyDatabaseUrl,
    unleash:
      unleashUrl !== undefined && unleashToken !== undefined
        ? { url: unleashUrl, apiToken: unleashToken, appName: str('UNLEASH_APP_NAME') ?? 'strangler' }
        : undefined,
    flagsFile: str('FLAGS_FILE') ?? 'flags/flags.json',
    flagsBackupDir: str('FLAGS_BACKUP_DIR') ?? `${dataDir}/unleash-backup`,
    adminQaToken: qa ?? randomToken(),
    adminOperatorToken: operator ?? randomToken(),
    demoTokens,
    logLevel,
    dataDir,
    migrateOnStart,
    syncInProcess,
    syncOwnership,
    shadowThread,
    shadowThreadPriority,
    embeddedPostgresPort,
    legacyStandInPort,
    legacyStandIn: legacyStandIn as LegacyStandIn | undefined,
    legacyMaxRequestBodyBytes,
  };
}

function defaultToken(): string {
  return `demo-${crypto.randomUUID()}`;
}
