import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

/**
 * A real unleash-server (the npm package) for integration tests, on its own throw-away PostgreSQL
 * database and a random port. It runs in a child process on the same Node as the tests: in-process it
 * would load hundreds of modules into jest's VM registry and register process-wide signal handlers.
 * Startup (migrations on an empty database) takes a few seconds; use one server per test file.
 */
export interface UnleashServerHarness {
  /** The API base unleash-client takes, e.g. `http://127.0.0.1:40123/api/`. */
  readonly url: string;
  /** A backend (client) token for the `development` environment of the `default` project. */
  readonly clientApiToken: string;
  readonly adminApiToken: string;
  readonly project: string;
  readonly environment: string;
  /** Creates a release flag (off, no strategies) in the project. */
  createFlag(name: string): Promise<void>;
  /** Sets the flag's flexibleRollout (stickiness `default`) to `percentage` in the environment. */
  setRollout(name: string, percentage: number): Promise<void>;
  /** Sets the variants of the flag's flexibleRollout strategy; unweighted ones share what the weighted leave. */
  setVariants(name: string, variants: readonly HarnessVariant[]): Promise<void>;
  enable(name: string): Promise<void>;
  disable(name: string): Promise<void>;
  /** Archives and deletes the flag. */
  deleteFlag(name: string): Promise<void>;
  /** What the Client API serves right now (with the client token). */
  clientFeatures(): Promise<{ features: { name: string; enabled: boolean }[] }>;
  /** Stops the server process but keeps its database: an Unleash outage. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and database. */
  restart(): Promise<void>;
  /** Stops the server and drops its database. */
  stop(): Promise<void>;
}

export interface HarnessVariant {
  readonly name: string;
  /** Out of 1000, as Unleash stores them. */
  readonly weight?: number;
  readonly payload?: { readonly type: 'json' | 'string' | 'number'; readonly value: string };
}

export interface StartUnleashServerOptions {
  readonly startupTimeoutMs?: number;
}

const PROJECT = 'default';
const ENVIRONMENT = 'development';
// Unleash token format `<project>:<environment>.<secret>`; `*:*` is an admin token over everything.
const ADMIN_TOKEN = '*:*.strangler-test-admin-token';
const CLIENT_TOKEN = `${PROJECT}:${ENVIRONMENT}.strangler-test-client-token`;
const LISTENING = 'UNLEASH_HARNESS_LISTENING ';

// Runs in the child. It exits when the test process goes away (stdin closes), so a crashed jest worker
// cannot leave a server behind.
const RUNNER = `
const { start } = await import('unleash-server');
const unleash = await start({
  server: { host: '127.0.0.1', port: Number(process.env.HARNESS_PORT ?? 0), gracefulShutdownTimeout: 200 },
});
process.stdout.write(${JSON.stringify(LISTENING)} + JSON.stringify(unleash.server.address()) + '\\n');
process.stdin.on('end', () => { unleash.stop().finally(() => process.exit(0)); });
process.stdin.resume();
`;

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function startUnleashServer(
  options: StartUnleashServerOptions = {},
): Promise<UnleashServerHarness> {
  const startupTimeoutMs = options.startupTimeoutMs ?? 120_000;
  const database = await createTestDatabase('strangler_unleash');
  let child: ChildProcess | undefined;
  let port = 0;
  try {
    ({ child, port } = await spawnServer(database, port, startupTimeoutMs));
  } catch (error: unknown) {
    await database.drop();
    throw error;
  }
  const base = `http://127.0.0.1:${port}`;

  const api = async (method: string, path: string, body?: unknown, token = ADMIN_TOKEN): Promise<unknown> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        Authorization: token,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`Unleash ${method} ${path} answered ${response.status}: ${text}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };
  const featurePath = (name: string) =>
    `/api/admin/projects/${PROJECT}/features/${encodeURIComponent(name)}/environments/${ENVIRONMENT}`;

  interface Strategy {
    id: string;
    name: string;
    parameters?: Record<string, string>;
    constraints?: unknown[];
    variants?: unknown[];
    segments?: number[];
  }
  /** The flag's flexibleRollout strategy, created at 100% when it has none. */
  const rolloutStrategy = async (name: string): Promise<Strategy> => {
    const strategies = (await api('GET', `${featurePath(name)}/strategies`)) as Strategy[];
    const existing = strategies.find((s) => s.name === 'flexibleRollout');
    if (existing !== undefined) return existing;
    return (await api('POST', `${featurePath(name)}/strategies`, {
      name: 'flexibleRollout',
      parameters: { rollout: '100', stickiness: 'default', groupId: name },
      constraints: [],
      variants: [],
    })) as Strategy;
  };
  const updateStrategy = async (name: string, strategy: Strategy): Promise<void> => {
    await api('PUT', `${featurePath(name)}/strategies/${strategy.id}`, {
      name: strategy.name,
      parameters: strategy.parameters ?? {},
      constraints: strategy.constraints ?? [],
      variants: strategy.variants ?? [],
      segments: strategy.segments ?? [],
    });
  };

  return {
    url: `${base}/api/`,
    clientApiToken: CLIENT_TOKEN,
    adminApiToken: ADMIN_TOKEN,
    project: PROJECT,
    environment: ENVIRONMENT,
    async createFlag(name) {
      await api('POST', `/api/admin/projects/${PROJECT}/features`, { name, type: 'release' });
    },
    async setRollout(name, percentage) {
      if (!(percentage >= 0 && percentage <= 100))
        throw new RangeError(`rollout ${percentage} is not 0..100`);
      const strategy = await rolloutStrategy(name);
      await updateStrategy(name, {
        ...strategy,
        parameters: {
          stickiness: 'default',
          groupId: name,
          ...strategy.parameters,
          rollout: String(percentage),
        },
      });
    },
    async setVariants(name, variants) {
      const strategy = await rolloutStrategy(name);
      // Unleash wants at least one "variable" variant and shares what the "fix" ones leave among them.
      const lastVariable = variants.findLastIndex((v) => v.weight === undefined);
      await updateStrategy(name, {
        ...strategy,
        variants: variants.map((v, index) => ({
          name: v.name,
          weight: v.weight ?? 0,
          weightType:
            v.weight === undefined || (lastVariable < 0 && index === variants.length - 1)
              ? 'variable'
              : 'fix',
          stickiness: 'default',
          ...(v.payload === undefined ? {} : { payload: v.payload }),
        })),
      });
    },
    async enable(name) {
      await api('POST', `${featurePath(name)}/on`);
    },
    async disable(name) {
      await api('POST', `${featurePath(name)}/off`);
    },
    async deleteFlag(name) {
      await api('DELETE', `/api/admin/projects/${PROJECT}/features/${encodeURIComponent(name)}`);
      await api('DELETE', `/api/admin/archive/${encodeURIComponent(name)}`);
    },
    async clientFeatures() {
      return (await api('GET', '/api/client/features', undefined, CLIENT_TOKEN)) as {
        features: { name: string; enabled: boolean }[];
      };
    },
    async kill() {
      if (child === undefined) return;
      await stopProcess(child);
      child = undefined;
    },
    async restart() {
      if (child !== undefined) await stopProcess(child);
      ({ child } = await spawnServer(database, port, startupTimeoutMs));
    },
    async stop() {
      if (child !== undefined) await stopProcess(child);
      child = undefined;
      await database.drop();
    },
  };
}

async function spawnServer(
  database: TestDatabase,
  port: number,
  startupTimeoutMs: number,
): Promise<{ child: ChildProcess; port: number }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: database.url,
    DATABASE_SSL: 'false',
    INIT_ADMIN_API_TOKENS: ADMIN_TOKEN,
    INIT_BACKEND_API_TOKENS: CLIENT_TOKEN,
    SEND_TELEMETRY: 'false',
    CHECK_VERSION: 'false',
    LOG_LEVEL: 'error',
    HARNESS_PORT: String(port),
  };
  // process.execPath: the Node running the tests (Node 24), without jest's NODE_OPTIONS.
  const child = spawn(process.execPath, ['--input-type=module', '--no-deprecation', '-e', RUNNER], {
    cwd: REPO_ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stderr?.on('data', keep);
  try {
    const address = await new Promise<{ port: number }>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`unleash-server did not start within ${startupTimeoutMs} ms:\n${output}`)),
        startupTimeoutMs,
      );
      let lines = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        keep(chunk);
        lines += chunk.toString('utf8');
        const at = lines.indexOf(LISTENING);
        const end = at >= 0 ? lines.indexOf('\n', at) : -1;
        if (end >= 0) {
          clearTimeout(timer);
          resolve(JSON.parse(lines.slice(at + LISTENING.length, end)) as { port: number });
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`unleash-server exited with ${code} during startup:\n${output}`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    // Past startup the output is only kept for diagnostics; stop buffering lines.
    child.stdout?.removeAllListeners('data');
    child.stdout?.on('data', keep);
    child.removeAllListeners('exit');
    const health = await fetch(`http://127.0.0.1:${address.port}/health`);
    const body = await health.text();
    if (!health.ok || !body.includes('GOOD')) {
      throw new Error(`unleash-server is listening but not healthy: ${health.status} ${body}`);
    }
    return { child, port: address.port };
  } catch (error: unknown) {
    await stopProcess(child);
    throw error;
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  child.stdin?.destroy();
  child.stdout?.destroy();
  child.stderr?.destroy();
}
