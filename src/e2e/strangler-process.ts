import { spawn } from 'node:child_process';
import type { ChildProcess, ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ALL_DEMO_SCOPES, demoTokenSigner } from '../../scripts/demo/demo-callers.ts';
import { issuerKeysFile } from '../../scripts/demo/issuer/issuer-keys.ts';
import type { TokenRequest } from '../../scripts/demo/issuer/demo-tokens.ts';

/*
 * `npm start` as a child process, for the end-to-end suite and scripts/measure-demo-start.ts: the real
 * composition root with every port on 0, its addresses and demo tokens read back from the startup
 * banner (the only place main.ts publishes them), and callers' tokens signed with the demo issuer's key.
 */

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Node 24 from the `node` devDependency when present (the project's target), else whatever runs us. */
export function projectNode(): string {
  const local = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');
  return existsSync(local) ? local : process.execPath;
}

export interface StranglerAddresses {
  readonly publicUrl: URL;
  readonly adminUrl: URL;
  readonly legacyUrl: URL;
  /** Port of the embedded PostgreSQL, when the demo started one. */
  readonly postgresPort: number | undefined;
  readonly qaToken: string;
  readonly operatorToken: string;
  /** Whose tokens the public port accepts; undefined when the banner names no issuer. */
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
}

export interface StranglerProcess extends StranglerAddresses {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Milliseconds from spawn to the complete banner. */
  readonly bannerMs: number;
  /** Everything the process wrote so far (stdout and stderr interleaved). */
  output(): string;
  /** Sends the signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  /** Resolves once the process has exited, with its exit code. */
  readonly exited: Promise<number | null>;
  /**
   * A caller's bearer token from the demo issuer this process started (every scope unless asked), or
   * throws when it started none.
   */
  token(request: Pick<TokenRequest, 'organisationId'> & Partial<TokenRequest>): Promise<string>;
}

export interface StartOptions {
  readonly dataDir: string;
  readonly flagsFile: string;
  /** Extra environment (LOG_LEVEL …). */
  readonly env?: Readonly<Record<string, string>>;
  readonly bannerTimeoutMs?: number;
  /** Called right after spawn, before the banner (to signal the process while it is starting). */
  readonly onSpawn?: (child: ChildProcess) => void;
  /**
   * `npm start` as a person runs it: npm, in a process group of its own as a terminal's foreground job,
   * so `process.kill(-pid, 'SIGINT')` is a Ctrl-C. Default: the node process alone.
   */
  readonly viaNpm?: boolean;
}

/** Variables that would take the process off the demo path or change how Node runs it. */
const INHERITED_BUT_UNWANTED = [
  'DATABASE_URL',
  'LEGACY_URL',
  'LEGACY_DATABASE_URL',
  'UNLEASH_URL',
  'UNLEASH_API_TOKEN',
  'ADMIN_QA_TOKEN',
  'ADMIN_OPERATOR_TOKEN',
  'EMBEDDED_POSTGRES_PORT',
  'NODE_OPTIONS',
  'PORT',
  'ADMIN_PORT',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'AUTH_METADATA_URL',
  'DEMO_ISSUER_PORT',
];

/** The demo's environment with every port on 0, minus what would take the process off the demo path. */
function childEnv(options: StartOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !INHERITED_BUT_UNWANTED.includes(name)) env[name] = value;
  }
  return Object.assign(env, {
    PORT: '0',
    ADMIN_PORT: '0',
    LEGACY_STAND_IN_PORT: '0',
    DEMO_ISSUER_PORT: '0',
    DATA_DIR: options.dataDir,
    FLAGS_FILE: options.flagsFile,
    LOG_LEVEL: 'warn',
    // The shadow thread as in production, but at normal priority: the suites count every comparison,
    // and on a test machine whose cores two jest workers keep busy an idle-priority thread gets almost
    // no CPU for seconds at a time (src/shadow/thread/shadow-thread.test.ts checks the idle policy).
    SHADOW_THREAD_PRIORITY: '0',
    // The suites check that new handlers answer as legacy; the demo's planted bugs would be the exception.
    DEMO_PLANTED_DIFFERENCES: 'false',
    ...options.env,
  });
}

/** Resolves with the banner's addresses; a timeout, an unreadable banner or an early exit rejects. */
function awaitBanner(
  child: ChildProcessByStdio<null, Readable, Readable>,
  output: () => string,
  dataDir: string,
  bannerTimeoutMs: number,
): Promise<StranglerAddresses> {
  return new Promise<StranglerAddresses>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      void killHard(child, dataDir).catch(() => undefined);
      reject(new Error(`no startup banner within ${bannerTimeoutMs} ms; output:\n${output()}`));
    }, bannerTimeoutMs);
    const onData = (): void => {
      try {
        const parsed = parseBanner(output());
        if (parsed === undefined) return;
        cleanup();
        resolve(parsed);
      } catch (error: unknown) {
        cleanup();
        void killHard(child, dataDir).catch(() => undefined);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`strangler exited with ${code} before its banner; output:\n${output()}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
}

/** StranglerProcess.stop: the signal, then SIGKILL (and the cluster) when it does not exit in time. */
function stopper(
  child: ChildProcess,
  exited: Promise<number | null>,
  dataDir: string,
  output: () => string,
): StranglerProcess['stop'] {
  return async (signal = 'SIGINT', timeoutMs = 20_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    if (signal === 'SIGKILL') {
      await killHard(child, dataDir);
      return null;
    }
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      // Never leave a process behind a failed test; the caller still sees it did not stop in time.
      await killHard(child, dataDir);
      throw new Error(`strangler did not stop within ${timeoutMs} ms of ${signal}; output:\n${output()}`);
    }
    return result;
  };
}

export async function startStrangler(options: StartOptions): Promise<StranglerProcess> {
  const started = performance.now();
  const [command, args] =
    options.viaNpm === true ? ['npm', ['start']] : [projectNode(), ['scripts/demo/start.ts']];
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: childEnv(options),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.viaNpm === true,
  });
  let text = '';
  const output = (): string => text;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  options.onSpawn?.(child);

  const addresses = await awaitBanner(child, output, options.dataDir, options.bannerTimeoutMs ?? 90_000);
  const bannerMs = performance.now() - started;
  const stop = stopper(child, exited, options.dataDir, output);

  if (child.pid === undefined) throw new Error('strangler did not start');
  const token = callerTokens(addresses, options.dataDir);
  return { ...addresses, child, pid: child.pid, bannerMs, output, stop, exited, token };
}

function callerTokens(addresses: StranglerAddresses, dataDir: string): StranglerProcess['token'] {
  return async (request) => {
    const { issuer, audience } = addresses;
    if (issuer === undefined || audience === undefined) throw new Error('this strangler has no issuer');
    const sign = await demoTokenSigner({ issuer, audience, keysFile: issuerKeysFile(dataDir) });
    return sign({ scopes: ALL_DEMO_SCOPES, ...request });
  };
}

/**
 * SIGKILL gives main.ts no chance to stop the embedded PostgreSQL it started, so that server (found by
 * its postmaster.pid in DATA_DIR) is stopped too: a failed test must not leave a cluster running.
 */
async function killHard(child: ChildProcess, dataDir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }
  let pidText: string;
  try {
    pidText = await readFile(path.join(dataDir, 'postgres', 'cluster', 'postmaster.pid'), 'utf8');
  } catch (error: unknown) {
    if ((error as { code?: unknown }).code === 'ENOENT') return;
    throw error;
  }
  const postmaster = Number(pidText.split('\n')[0]);
  if (!Number.isInteger(postmaster) || postmaster <= 0) return;
  // A stale pid file could name a reused pid: only a postgres process is signalled.
  const command = await readFile(`/proc/${postmaster}/comm`, 'utf8').catch(() => '');
  if (!command.startsWith('postgres')) return;
  try {
    // SIGQUIT: PostgreSQL's immediate shutdown.
    process.kill(postmaster, 'SIGQUIT');
  } catch (error: unknown) {
    if ((error as { code?: unknown }).code !== 'ESRCH') throw error;
  }
}

/** Reads the addresses out of main.ts's banner; undefined until the whole banner has been printed. */
export function parseBanner(text: string): StranglerAddresses | undefined {
  if (!text.includes('Ctrl-C stops everything.')) return undefined;
  const publicMatch = /public \(legacy API surface\): (http:\/\/\S+)\s+→ legacy (http:\/\/\S+)/.exec(text);
  const adminMatch = /^\s+admin: (https?:\/\/\S+)/m.exec(text);
  const qaMatch = /^\s+QA:\s+(\S+)/m.exec(text);
  const operatorMatch = /^\s+operator:\s+(\S+)/m.exec(text);
  const postgresMatch = /embedded PostgreSQL on 127\.0\.0\.1:(\d+)/.exec(text);
  const issuerMatch = /callers' tokens: issuer (\S+)\s+audience (\S+)/.exec(text);
  if (
    publicMatch?.[1] === undefined ||
    publicMatch[2] === undefined ||
    adminMatch?.[1] === undefined ||
    qaMatch?.[1] === undefined ||
    operatorMatch?.[1] === undefined
  ) {
    throw new Error(`the startup banner changed shape; output:\n${text}`);
  }
  return {
    publicUrl: new URL(publicMatch[1]),
    legacyUrl: new URL(publicMatch[2]),
    adminUrl: new URL(adminMatch[1]),
    qaToken: qaMatch[1],
    operatorToken: operatorMatch[1],
    postgresPort: postgresMatch?.[1] === undefined ? undefined : Number(postgresMatch[1]),
    issuer: issuerMatch?.[1],
    audience: issuerMatch?.[2],
  };
}

/** A temporary directory for one demo start: its DATA_DIR (`data`, not yet made) and a copy of the flags file. */
export async function demoWorkDir(
  prefix: string,
): Promise<{ workDir: string; dataDir: string; flagsFile: string }> {
  const workDir = await mkdtemp(path.join(tmpdir(), prefix));
  // As root the embedded PostgreSQL runs as `postgres`, which must traverse every parent of DATA_DIR;
  // mkdtemp makes 0700 directories.
  await chmod(workDir, 0o755);
  const flagsFile = path.join(workDir, 'flags.json');
  await copyFile(path.join(REPO_ROOT, 'flags', 'flags.json'), flagsFile);
  return { workDir, dataDir: path.join(workDir, 'data'), flagsFile };
}
