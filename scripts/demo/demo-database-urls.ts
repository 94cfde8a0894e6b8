import { readFileSync } from 'node:fs';
import path from 'node:path';

import { processRunning } from '../../src/composition/data-dir-lock.ts';
import { DEFAULT_DATA_DIR } from '../../src/config.ts';

/*
 * Where the operator scripts find the demo's databases when DATABASE_URL / LEGACY_DATABASE_URL are unset:
 * in the embedded PostgreSQL that `npm start` keeps in <DATA_DIR>/postgres, as long as it runs. The port
 * comes from PostgreSQL's own postmaster.pid (the demo picks a free one at each start), the password from
 * the credentials.json the demo wrote at initdb. Read synchronously: the scripts check their settings
 * before anything else, all problems at once.
 */

export const DEMO_NEW_DATABASE = 'strangler';
export const DEMO_LEGACY_DATABASE = 'strangler_legacy';

export type DemoDatabase = 'new' | 'legacy';

const VARIABLES: Record<DemoDatabase, string> = { new: 'DATABASE_URL', legacy: 'LEGACY_DATABASE_URL' };
const NAMES: Record<DemoDatabase, string> = { new: DEMO_NEW_DATABASE, legacy: DEMO_LEGACY_DATABASE };

/** The URL, and the one line to print when it is the demo's; or the problem, in one sentence. */
export type ResolvedUrl = { url: string; note: string | undefined } | { problem: string };

type Env = Readonly<Record<string, string | undefined>>;

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error: unknown) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The running demo cluster's port, or why there is none. */
function demoPort(postgresDir: string): { port: number } | { why: string } {
  const credentials = readOrUndefined(path.join(postgresDir, 'credentials.json'));
  if (credentials === undefined)
    return { why: `there is no demo database in ${postgresDir} (run npm start once)` };
  // postmaster.pid: line 1 the server's pid, line 4 its port; PostgreSQL removes the file when it stops.
  const lines = readOrUndefined(path.join(postgresDir, 'cluster', 'postmaster.pid'))?.split('\n') ?? [];
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !processRunning(pid) || !Number.isInteger(port)) {
    return {
      why: `the demo's embedded PostgreSQL in ${postgresDir} is not running (start it with npm start)`,
    };
  }
  return { port };
}

/** `DATABASE_URL` / `LEGACY_DATABASE_URL` when set, else the demo's database in DATA_DIR when it runs. */
export function databaseUrlOrDemo(env: Env, which: DemoDatabase): ResolvedUrl {
  const variable = VARIABLES[which];
  const configured = env[variable];
  if (configured !== undefined && configured !== '') return { url: configured, note: undefined };
  const postgresDir = path.resolve(env.DATA_DIR ?? DEFAULT_DATA_DIR, 'postgres');
  const found = demoPort(postgresDir);
  if ('why' in found) return { problem: `${variable} is not set and ${found.why}` };
  const { user, password } = JSON.parse(readFileSync(path.join(postgresDir, 'credentials.json'), 'utf8')) as {
    user?: unknown;
    password?: unknown;
  };
  if (typeof user !== 'string' || typeof password !== 'string')
    return { problem: `${variable} is not set and ${postgresDir}/credentials.json is not the demo's` };
  const url = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${found.port}/${NAMES[which]}`;
  return {
    url,
    note: `${variable} not set: using the demo's database ${NAMES[which]} on 127.0.0.1:${found.port} (${postgresDir})`,
  };
}

/**
 * For a script's settings check: the URL (its note printed once to standard error), or '' with the
 * problem recorded.
 */
export function databaseUrlSetting(problems: string[], env: Env, which: DemoDatabase): string {
  const resolved = databaseUrlOrDemo(env, which);
  if ('problem' in resolved) {
    problems.push(resolved.problem);
    return '';
  }
  if (resolved.note !== undefined) console.error(resolved.note);
  return resolved.url;
}
