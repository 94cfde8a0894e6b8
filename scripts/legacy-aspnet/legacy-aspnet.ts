import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * Builds and runs the real ASP.NET Core legacy API (Legacy.Api/) for the demo and the tests. The build is
 * cached: it runs again only when a source file changed (a hash of the project's sources sits beside the
 * output), and concurrent callers (parallel test workers) wait for one build under a lock file.
 */

export const PROJECT_DIR = fileURLToPath(new URL('./Legacy.Api/', import.meta.url));
const OUTPUT_DIR = path.join(PROJECT_DIR, 'bin', 'strangler');
const DLL = path.join(OUTPUT_DIR, 'Legacy.Api.dll');
const HASH_FILE = path.join(OUTPUT_DIR, '.source-hash');
const LOCK_FILE = path.join(PROJECT_DIR, 'bin', '.build-lock');
const SOURCE = /\.(cs|csproj|json)$/;

const DOTNET_ENV = {
  DOTNET_CLI_TELEMETRY_OPTOUT: '1',
  DOTNET_NOLOGO: '1',
  DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
};

/** Whether the .NET SDK is on PATH. */
export function dotnetAvailable(): boolean {
  const probe = spawnSync('dotnet', ['--version'], {
    stdio: 'ignore',
    env: { ...process.env, ...DOTNET_ENV },
  });
  return probe.error === undefined && probe.status === 0;
}

export interface BuildOutcome {
  readonly dll: string;
  /** Milliseconds the build took; undefined when the cached build was current. */
  readonly builtInMs: number | undefined;
}

/** Builds the app unless the cached build is current. Throws with the compiler's output on failure. */
export async function buildLegacyAspnet(): Promise<BuildOutcome> {
  const hash = sourceHash();
  if (isCurrent(hash)) return { dll: DLL, builtInMs: undefined };
  return withBuildLock(async () => {
    if (isCurrent(hash)) return { dll: DLL, builtInMs: undefined };
    const started = Date.now();
    const result = await run('dotnet', [
      'build',
      PROJECT_DIR,
      '-c',
      'Release',
      '-o',
      OUTPUT_DIR,
      '-nologo',
      '-v',
      'q',
    ]);
    if (result.code !== 0) throw new Error(`building the ASP.NET legacy app failed:\n${result.output}`);
    writeFileSync(HASH_FILE, hash);
    return { dll: DLL, builtInMs: Date.now() - started };
  });
}

/** The model's CREATE script for `SqlServer` or `Npgsql`, from the built app. */
export async function legacySchemaScript(provider: 'SqlServer' | 'Npgsql'): Promise<string> {
  const { dll } = await buildLegacyAspnet();
  const result = await run('dotnet', [dll, '--schema-script', provider]);
  if (result.code !== 0) throw new Error(`--schema-script ${provider} failed:\n${result.output}`);
  return result.stdout;
}

export interface LegacyAspnetOptions {
  /** The stand-in database (postgres://…); the app reaches it through EF Core's Npgsql provider. */
  readonly legacyDatabaseUrl: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Pins the app's clock (ISO 8601), for recordings. */
  readonly fixedUtcNow?: string;
  /** The OpenID Connect issuer whose access tokens the app accepts, for this audience. */
  readonly auth?: { readonly issuer: string; readonly audience: string };
  readonly onLog?: (line: string) => void;
}

// ASP.NET configuration keys as environment variables (`:` spelled `__`).
function authEnvironment(auth: LegacyAspnetOptions['auth']): Record<string, string> {
  if (!auth) return {};
  return {
    Auth__Authority: auth.issuer,
    Auth__Audience: auth.audience,
    // Only a local issuer serves its metadata over plain HTTP.
    Auth__RequireHttpsMetadata: String(!/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(auth.issuer)),
  };
}

export interface LegacyAspnet {
  readonly url: URL;
  /** How long building it took before it started; undefined when the cached build was current. */
  readonly builtInMs: number | undefined;
  stop(): Promise<void>;
}

/** Starts the built app and resolves once Kestrel listens. */
export async function startLegacyAspnet(options: LegacyAspnetOptions): Promise<LegacyAspnet> {
  const { dll, builtInMs } = await buildLegacyAspnet();
  const child = spawn('dotnet', [dll], {
    cwd: path.dirname(dll),
    // Its own process group: a Ctrl-C in the terminal reaches strangler alone, which stops legacy after
    // the public port has drained instead of under it.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...DOTNET_ENV,
      ASPNETCORE_ENVIRONMENT: 'Production',
      ASPNETCORE_URLS: `http://${options.host ?? '127.0.0.1'}:${options.port}`,
      Legacy__Provider: 'Npgsql',
      ConnectionStrings__Legacy: npgsqlConnectionString(options.legacyDatabaseUrl),
      ...(options.fixedUtcNow === undefined ? {} : { Legacy__FixedUtcNow: options.fixedUtcNow }),
      ...authEnvironment(options.auth),
      Logging__Console__FormatterName: 'simple',
      Logging__Console__FormatterOptions__SingleLine: 'true',
    },
  });
  const url = await listeningUrl(child, options.onLog);
  return { url, builtInMs, stop: () => stopChild(child) };
}

/** postgres://user:password@host:port/database → Npgsql's key=value form. */
export function npgsqlConnectionString(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new Error(
      `the ASP.NET legacy app runs here on the PostgreSQL stand-in only (got ${u.protocol}//…)`,
    );
  }
  const parts: [string, string][] = [
    ['Host', decodeURIComponent(u.hostname) || '127.0.0.1'],
    ['Port', u.port || '5432'],
    ['Database', decodeURIComponent(u.pathname.slice(1))],
    ['Username', decodeURIComponent(u.username) || 'postgres'],
  ];
  if (u.password !== '') parts.push(['Password', decodeURIComponent(u.password)]);
  parts.push(['Application Name', 'legacy-aspnet']);
  // Npgsql's default of 100 is PostgreSQL's whole max_connections: after a restart under load the app
  // opened them all and strangler's own pool (on the same server here) found no slot left.
  parts.push(['Maximum Pool Size', '20']);
  return parts.map(([k, v]) => `${k}=${quoteValue(v)}`).join(';');
}

function quoteValue(value: string): string {
  return /[;'"=\s]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function listeningUrl(child: ChildProcess, onLog: ((line: string) => void) | undefined): Promise<URL> {
  return new Promise((resolve, reject) => {
    const recent: string[] = [];
    let found: URL | undefined;
    const onLine = (line: string): void => {
      onLog?.(line);
      recent.push(line);
      if (recent.length > 40) recent.shift();
      const match = /Now listening on: (http:\/\/\S+)/.exec(line);
      if (match?.[1] !== undefined && found === undefined) {
        found = new URL(match[1]);
        resolve(found);
      }
    };
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line.trim() !== '') onLine(line.trimEnd());
      });
    }
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (found !== undefined) return;
      const error = new Error(
        `the ASP.NET legacy app exited (${signal ?? code}) before listening:\n${recent.join('\n')}`,
      );
      // Kestrel's "address already in use", shaped like node's, so callers can name the port's setting.
      const inUse = recent
        .map((l) => /Failed to bind to address http:\/\/[^\s]+:(\d+): address already in use/.exec(l))
        .find(Boolean);
      if (inUse?.[1] !== undefined) Object.assign(error, { code: 'EADDRINUSE', port: Number(inUse[1]) });
      reject(error);
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (entry.name === 'bin' || entry.name === 'obj') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (SOURCE.test(entry.name))
        hash.update(path.relative(PROJECT_DIR, full)).update(readFileSync(full));
    }
  };
  walk(PROJECT_DIR);
  return hash.digest('hex');
}

function isCurrent(hash: string): boolean {
  return existsSync(DLL) && existsSync(HASH_FILE) && readFileSync(HASH_FILE, 'utf8') === hash;
}

/** One build at a time across processes; a lock older than the longest build is a crashed builder's. */
async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  const staleAfterMs = 10 * 60_000;
  for (;;) {
    try {
      closeSync(openSync(LOCK_FILE, 'wx'));
      break;
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        mkdirSync(path.dirname(LOCK_FILE), { recursive: true });
        continue;
      }
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() - statSafe(LOCK_FILE) > staleAfterMs) rmSync(LOCK_FILE, { force: true });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK_FILE, { force: true });
  }
}

function statSafe(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

function run(
  command: string,
  args: readonly string[],
): Promise<{ code: number; stdout: string; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...DOTNET_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      output += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, output }));
  });
}
