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
import { isMssqlConnectionString } from '../adapters/mssql/connection-config.ts';
import type { UnleashSettings } from '../flags/online-flag-source.ts';
import type { HostHeaderMode } from './proxy/forward-headers.ts';
import { KESTREL_MAX_REQUEST_BODY_BYTES } from './proxy/legacy-body-limit.ts';
import type { ShadowThreadPriority } from './shadow/thread/shadow-thread.ts';
import { LEGACY_OWNS_ALL, parseOwnership, type SyncOwnership } from './sync/sync-entities.ts';
import { readAdminTls, type AdminTlsSettings } from './config/admin-tls-settings.ts';
import { readAuth, type AuthSettings } from './config/auth-settings.ts';
import { readBodySettings, type BodySettings } from './config/body-settings.ts';
import { readReadinessSettings, type ReadinessThresholds } from './config/readiness-settings.ts';
import { checkOtelEndpoints } from './config/otel-settings.ts';
import { readShutdownSettings, type ShutdownSettings } from './config/shutdown-settings.ts';
import { EnvReader, type Env } from './config/env-reader.ts';

export type { AdminTlsSettings, AuthSettings };

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
  /** ADMIN_TLS_CERT / ADMIN_TLS_KEY: the admin port speaks HTTPS with them; undefined: plain HTTP. */
  readonly adminTls: AdminTlsSettings | undefined;
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
  /** How long the in-process relay and change poller wait after a round that found nothing (ms). */
  readonly syncIdlePollMs: number;
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
  /**
   * How long a shadowed read's mismatch waits for the dual-write sync to catch up before both sides are
   * called again (docs/shadow-and-qa.md, "The sync's lag"); 0 turns the re-check off.
   */
  readonly shadowSyncWaitMs: number;
  /** Demo only: ports of the embedded PostgreSQL (free port when undefined) and the legacy stand-in. */
  readonly embeddedPostgresPort: number | undefined;
  readonly legacyStandInPort: number;
  /**
   * Demo only: which legacy to start when LEGACY_URL is unset: the real ASP.NET Core app or the
   * TypeScript stand-in; undefined picks the ASP.NET app when `dotnet` is on PATH.
   */
  readonly legacyStandIn: LegacyStandIn | undefined;
  /** Demo only: the demo's planted differences on three read routes (DEMO_PLANTED_DIFFERENCES). */
  readonly demoPlantedDifferences: boolean;
  /** Legacy's request-body limit, answered by the proxy (see src/proxy/legacy-body-limit.ts); 0 = none. */
  readonly legacyMaxRequestBodyBytes: number;
  /** Request bodies: buffered before legacy is called, minimum rate, idle timeout, per-address cap, budget. */
  readonly bodies: BodySettings;
  /**
   * The OpenID Connect issuer whose bearer tokens the API's callers present, as legacy validates them.
   * Undefined: no route with a policy may run anything but legacy. Demo: its own issuer (DEMO_ISSUER_PORT).
   */
  readonly auth: AuthSettings | undefined;
  /** READINESS_*: what the QA route page requires before it calls a route ready for its next mode. */
  readonly readiness: ReadinessThresholds;
  /** SHUTDOWN_DELAY_MS and SHUTDOWN_TIMEOUT_MS: the drain on SIGTERM. */
  readonly shutdown: ShutdownSettings;
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

/** Where the demo keeps its state (the embedded PostgreSQL, the issuer's keys), and the scripts look for it. */
export const DEFAULT_DATA_DIR = 'data';

const LOG_LEVELS = new Set(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']);

export function loadConfig(env: Env = process.env, randomToken: () => string = defaultToken): Config {
  const r = new EnvReader(env);
  const ports = readPorts(r);
  const legacy = readLegacy(r);
  const databaseUrl = r.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  // SQL Server's ADO.NET connection string (what Azure's portal gives) is not a URL.
  const legacyDatabaseUrl = isMssqlConnectionString(env.LEGACY_DATABASE_URL ?? '')
    ? env.LEGACY_DATABASE_URL
    : r.url('LEGACY_DATABASE_URL', ['postgres:', 'postgresql:', 'mssql:', 'sqlserver:']);
  const unleash = readUnleash(r);
  const switches = readSwitches(r);
  const demo = readDemo(r);
  const logLevel = r.str('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.has(logLevel)) {
    r.problems.push(`LOG_LEVEL must be one of ${[...LOG_LEVELS].join(', ')} (got "${logLevel}")`);
  }
  const tokens = readAdminTokens(r, randomToken);
  const adminTls = readAdminTls(r);
  const auth = readAuth(r);
  const bodies = readBodySettings(r);
  const readiness = readReadinessSettings(r);
  checkOtelEndpoints(r);
  const shutdown = readShutdownSettings(r);
  if (r.problems.length > 0) throw new ConfigError(r.problems);

  const dataDir = r.str('DATA_DIR') ?? DEFAULT_DATA_DIR;
  return {
    ...ports,
    adminHost: r.str('ADMIN_HOST') ?? (tokens.demoTokens ? '127.0.0.1' : '0.0.0.0'),
    adminTls,
    ...legacy,
    databaseUrl,
    legacyDatabaseUrl,
    unleash,
    flagsFile: r.str('FLAGS_FILE') ?? 'flags/flags.json',
    flagsBackupDir: r.str('FLAGS_BACKUP_DIR') ?? `${dataDir}/unleash-backup`,
    ...tokens,
    logLevel,
    dataDir,
    ...switches,
    ...demo,
    auth,
    bodies,
    readiness,
    shutdown,
  };
}

function readPorts(r: EnvReader): Pick<Config, 'port' | 'adminPort'> {
  const port = r.int('PORT', 8080, 0, 65535);
  const adminPort = r.int('ADMIN_PORT', 9090, 0, 65535);
  if (port !== 0 && port === adminPort) r.problems.push('PORT and ADMIN_PORT must differ');
  return { port, adminPort };
}

function readLegacy(
  r: EnvReader,
): Pick<Config, 'legacyUrl' | 'legacyTimeoutMs' | 'hostHeader' | 'proxyEngine'> {
  const legacyRaw = r.url('LEGACY_URL', ['http:', 'https:']);
  const legacyTimeoutMs = r.int('LEGACY_TIMEOUT_MS', 30000, 1, 3_600_000);
  const hostHeader = r.oneOf<HostHeaderMode>('HOST_HEADER', ['preserve', 'rewrite'], 'rewrite');
  const proxyEngineRaw = r.str('PROXY_ENGINE') ?? DEFAULT_LEGACY_ENGINE;
  if (!isLegacyEngine(proxyEngineRaw)) {
    r.problems.push(`PROXY_ENGINE must be one of ${LEGACY_ENGINES.join(', ')} (got "${proxyEngineRaw}")`);
  }
  return {
    legacyUrl: legacyRaw === undefined ? undefined : new URL(legacyRaw),
    legacyTimeoutMs,
    hostHeader,
    proxyEngine: proxyEngineRaw as LegacyEngine,
  };
}

function readUnleash(r: EnvReader): Config['unleash'] {
  const url = r.url('UNLEASH_URL', ['http:', 'https:']);
  const apiToken = r.str('UNLEASH_API_TOKEN');
  if (url !== undefined && apiToken === undefined)
    r.problems.push('UNLEASH_API_TOKEN is required when UNLEASH_URL is set');
  if (url === undefined && apiToken !== undefined)
    r.problems.push('UNLEASH_URL is required when UNLEASH_API_TOKEN is set');
  if (url === undefined || apiToken === undefined) return undefined;
  return { url, apiToken, appName: r.str('UNLEASH_APP_NAME') ?? 'strangler' };
}

function readSwitches(
  r: EnvReader,
): Pick<
  Config,
  | 'reusePort'
  | 'migrateOnStart'
  | 'syncInProcess'
  | 'shadowThread'
  | 'shadowThreadPriority'
  | 'shadowSyncWaitMs'
  | 'syncOwnership'
  | 'syncIdlePollMs'
> {
  const reusePort = r.bool('REUSE_PORT', false);
  const migrateOnStart = r.bool('MIGRATE_ON_START', true);
  const syncInProcess = r.bool('SYNC_IN_PROCESS', true);
  const shadowThread = r.bool('SHADOW_THREAD', true);
  const priorityRaw = r.str('SHADOW_THREAD_PRIORITY') ?? 'idle';
  let shadowThreadPriority: ShadowThreadPriority = 'idle';
  if (priorityRaw !== 'idle') {
    const nice = Number(priorityRaw);
    if (Number.isInteger(nice) && nice >= 0 && nice <= 19) shadowThreadPriority = nice;
    else r.problems.push(`SHADOW_THREAD_PRIORITY must be "idle" or a nice value 0–19 (got "${priorityRaw}")`);
  }
  const shadowSyncWaitMs = r.int('SHADOW_SYNC_WAIT_MS', 5000, 0, 60_000);
  const syncIdlePollMs = r.int('SYNC_IDLE_POLL_MS', 100, 10, 60_000);
  let syncOwnership = LEGACY_OWNS_ALL;
  try {
    syncOwnership = parseOwnership(r.str('SYNC_OWNERSHIP'));
  } catch (error: unknown) {
    r.problems.push(error instanceof Error ? error.message : String(error));
  }
  return {
    reusePort,
    migrateOnStart,
    syncInProcess,
    shadowThread,
    shadowThreadPriority,
    shadowSyncWaitMs,
    syncOwnership,
    syncIdlePollMs,
  };
}

function readDemo(
  r: EnvReader,
): Pick<
  Config,
  | 'embeddedPostgresPort'
  | 'legacyStandInPort'
  | 'legacyStandIn'
  | 'demoPlantedDifferences'
  | 'legacyMaxRequestBodyBytes'
> {
  const embeddedPostgresPort =
    r.str('EMBEDDED_POSTGRES_PORT') === undefined ? undefined : r.int('EMBEDDED_POSTGRES_PORT', 0, 1, 65535);
  const legacyStandInPort = r.int('LEGACY_STAND_IN_PORT', 5080, 0, 65535);
  const legacyStandIn = r.oneOf<LegacyStandIn>('LEGACY_STAND_IN', ['aspnet', 'node']);
  const legacyMaxRequestBodyBytes = r.int(
    'LEGACY_MAX_REQUEST_BODY_BYTES',
    KESTREL_MAX_REQUEST_BODY_BYTES,
    0,
    Number.MAX_SAFE_INTEGER,
  );
  const demoPlantedDifferences = r.bool('DEMO_PLANTED_DIFFERENCES', true);
  return {
    embeddedPostgresPort,
    legacyStandInPort,
    legacyStandIn,
    demoPlantedDifferences,
    legacyMaxRequestBodyBytes,
  };
}

function readAdminTokens(
  r: EnvReader,
  randomToken: () => string,
): Pick<Config, 'adminQaToken' | 'adminOperatorToken' | 'demoTokens'> {
  const qa = r.str('ADMIN_QA_TOKEN');
  const operator = r.str('ADMIN_OPERATOR_TOKEN');
  if ((qa === undefined) !== (operator === undefined)) {
    r.problems.push('ADMIN_QA_TOKEN and ADMIN_OPERATOR_TOKEN must be set together');
  }
  for (const [name, value] of [
    ['ADMIN_QA_TOKEN', qa],
    ['ADMIN_OPERATOR_TOKEN', operator],
  ] as const) {
    if (value !== undefined && value.length < 16) r.problems.push(`${name} must be at least 16 characters`);
  }
  if (qa !== undefined && qa === operator)
    r.problems.push('ADMIN_QA_TOKEN and ADMIN_OPERATOR_TOKEN must differ');
  return {
    adminQaToken: qa ?? randomToken(),
    adminOperatorToken: operator ?? randomToken(),
    demoTokens: qa === undefined || operator === undefined,
  };
}

function defaultToken(): string {
  return `demo-${crypto.randomUUID()}`;
}
