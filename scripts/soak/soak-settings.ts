/**
 * What `npm run soak` runs for, read from the environment and checked all at once (every problem in
 * one message, as src/config.ts does).
 */
export interface SoakSettings {
  /** SOAK_SECONDS: how long the traffic runs (default 600). */
  readonly seconds: number;
  /** SOAK_RATE: well-behaved requests per second, all classes together (default 100). */
  readonly rate: number;
  /** SOAK_SLOW_CLIENTS: slow-header clients, and as many slow-body clients (default 20 each). */
  readonly slowClients: number;
  /** TEST_DATABASE_URL: a PostgreSQL server to make the soak's two databases on; unset: an embedded one. */
  readonly serverUrl: string | undefined;
}

export const SOAK_USAGE = `usage: [SOAK_SECONDS=600] [SOAK_RATE=100] [SOAK_SLOW_CLIENTS=20] [TEST_DATABASE_URL=postgres://…] npm run soak
  Starts strangler (a child process), the real ASP.NET legacy, PostgreSQL and the demo issuer on
  127.0.0.1, drives a steady mix of well-behaved traffic plus slow-header and slow-body clients for
  SOAK_SECONDS, restarts legacy half-way, and prints RSS, heap and p99 every 30 s and a verdict at
  the end (exit code 1 when the verdict fails).`;

function integer(
  problems: string[],
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
    return fallback;
  }
  return value;
}

export function soakSettings(env: NodeJS.ProcessEnv = process.env): SoakSettings {
  const problems: string[] = [];
  const settings = {
    seconds: integer(problems, env, 'SOAK_SECONDS', 600, 10, 86_400),
    rate: integer(problems, env, 'SOAK_RATE', 100, 1, 2000),
    slowClients: integer(problems, env, 'SOAK_SLOW_CLIENTS', 20, 0, 500),
    serverUrl: env.TEST_DATABASE_URL === '' ? undefined : env.TEST_DATABASE_URL,
  };
  if (settings.serverUrl !== undefined && !URL.canParse(settings.serverUrl)) {
    problems.push(`TEST_DATABASE_URL is not a URL (got "${settings.serverUrl}")`);
  }
  if (problems.length > 0) throw new Error(`${problems.join('\n')}\n${SOAK_USAGE}`);
  return settings;
}
