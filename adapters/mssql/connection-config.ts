import sql from 'mssql';

/*
 * LEGACY_DATABASE_URL for SQL Server → an `mssql` ConnectionPool config. Two forms are accepted:
 *  - the ADO.NET connection string Azure's portal gives (`Server=tcp:x.database.windows.net,1433;Initial
 *    Catalog=…;User ID=…;Password=…;Encrypt=True;…`), parsed by mssql itself;
 *  - `mssql://user:password@host:1433/database?encrypt=true&poolMax=10…`, which mssql cannot parse, mapped
 *    field by field onto the same config (URL_PARAMS below).
 * Defaults are Azure SQL's: TLS on and the server certificate verified; a caller has to opt out
 * explicitly (a local SQL Server container with a self-signed certificate).
 * https://learn.microsoft.com/azure/azure-sql/database/connect-query-nodejs
 */

export class MssqlConnectionError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid SQL Server connection: ${problems.join('; ')}`);
    this.name = 'MssqlConnectionError';
    this.problems = problems;
  }
}

/** What a caller may set in code; the connection string or URL wins where it says otherwise. */
export interface MssqlPoolOptions {
  poolMax?: number;
  applicationName?: string;
}

const URL_SCHEMES = new Set(['mssql:', 'sqlserver:']);

/** `Server=…;…` or `Data Source=…;…` (in any order): the ADO.NET form, which is not a URL. */
export function isMssqlConnectionString(raw: string): boolean {
  return (
    !/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) &&
    /(^|;)\s*(server|data source|address|addr|network address)\s*=/i.test(raw)
  );
}

export function isMssqlUrl(raw: string): boolean {
  return URL_SCHEMES.has(/^[a-z]+:/i.exec(raw)?.[0].toLowerCase() ?? '');
}

/** The pool's config: Azure defaults, then the caller's options, then what the connection says. */
export function mssqlPoolConfig(connection: string, options: MssqlPoolOptions = {}): sql.config {
  const parsed = isMssqlUrl(connection) ? configFromUrl(connection) : configFromConnectionString(connection);
  return {
    ...parsed,
    // Azure SQL serverless can take tens of seconds to resume; 30 s is what Microsoft recommends.
    connectionTimeout: parsed.connectionTimeout ?? 30_000,
    requestTimeout: parsed.requestTimeout ?? 30_000,
    pool: {
      max: options.poolMax ?? 10,
      min: 0,
      // A caller waiting for a connection fails after this instead of queueing forever.
      acquireTimeoutMillis: 30_000,
      idleTimeoutMillis: 30_000,
      ...parsed.pool,
    },
    options: {
      encrypt: true,
      trustServerCertificate: false,
      appName: options.applicationName ?? 'strangler',
      // Legacy datetime2 values are UTC without an offset (adapters/schema.ts).
      useUTC: true,
      ...parsed.options,
    },
  };
}

function configFromConnectionString(connection: string): sql.config {
  let parsed: sql.config;
  try {
    parsed = sql.ConnectionPool.parseConnectionString(connection);
  } catch (error: unknown) {
    throw new MssqlConnectionError([error instanceof Error ? error.message : String(error)]);
  }
  const problems = [
    ...(!parsed.server ? ['Server (or Data Source) is missing'] : []),
    ...(parsed.database === undefined ? ['Initial Catalog (or Database) is missing'] : []),
  ];
  if (problems.length > 0) throw new MssqlConnectionError(problems);
  return parsed;
}

interface UrlParam {
  readonly kind: 'boolean' | 'integer' | 'text';
  /** Where the value lands: a top-level key, or `options` / `pool` and a key in it. */
  readonly at: readonly [string] | readonly ['options' | 'pool', string];
  readonly min?: number;
  readonly max?: number;
}

const int = (at: UrlParam['at'], min: number, max: number): UrlParam => ({ kind: 'integer', at, min, max });

/** The query parameters of the URL form and where each lands in mssql's config. */
const URL_PARAMS: Readonly<Record<string, UrlParam>> = {
  encrypt: { kind: 'boolean', at: ['options', 'encrypt'] },
  trustServerCertificate: { kind: 'boolean', at: ['options', 'trustServerCertificate'] },
  appName: { kind: 'text', at: ['options', 'appName'] },
  connectTimeout: int(['connectionTimeout'], 1_000, 600_000),
  requestTimeout: int(['requestTimeout'], 1_000, 3_600_000),
  poolMax: int(['pool', 'max'], 1, 1_000),
  poolMin: int(['pool', 'min'], 0, 1_000),
  poolAcquireTimeout: int(['pool', 'acquireTimeoutMillis'], 1, 600_000),
  poolIdleTimeout: int(['pool', 'idleTimeoutMillis'], 1, 3_600_000),
  // tedious' own login retry on Azure's transient errors (its default: 3 retries, 500 ms apart).
  connectRetries: int(['options', 'maxRetriesOnTransientErrors'], 0, 50),
  connectRetryInterval: int(['options', 'connectionRetryInterval'], 1, 60_000),
};

type ParamValue = { ok: true; value: boolean | number | string } | { ok: false; problem: string };

function paramValue(name: string, raw: string, param: UrlParam): ParamValue {
  if (param.kind === 'text') return { ok: true, value: raw };
  if (param.kind === 'boolean') {
    if (raw === 'true' || raw === 'false') return { ok: true, value: raw === 'true' };
    return { ok: false, problem: `${name} must be true or false (got "${raw}")` };
  }
  const n = Number(raw);
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = param;
  if (Number.isInteger(n) && n >= min && n <= max) return { ok: true, value: n };
  return { ok: false, problem: `${name} must be an integer between ${min} and ${max} (got "${raw}")` };
}

function configFromUrl(raw: string): sql.config {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new MssqlConnectionError(['not a valid URL']);
  }
  const problems: string[] = [];
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (url.hostname === '') problems.push('host is missing');
  if (database === '' || database.includes('/'))
    problems.push('database name is missing (mssql://…/<database>)');
  if (url.username === '') problems.push('user name is missing');
  const config: Record<string, unknown> & {
    options: Record<string, unknown>;
    pool: Record<string, unknown>;
  } = {
    server: url.hostname,
    port: url.port === '' ? 1433 : Number(url.port),
    database,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    options: {},
    pool: {},
  };
  for (const [name, raw] of url.searchParams) {
    const param = URL_PARAMS[name];
    const parsed: ParamValue =
      param === undefined
        ? { ok: false, problem: `unknown parameter "${name}"` }
        : paramValue(name, raw, param);
    if (!parsed.ok) problems.push(parsed.problem);
    else if (param?.at.length === 1) config[param.at[0]] = parsed.value;
    else if (param?.at.length === 2) config[param.at[0]][param.at[1]] = parsed.value;
  }
  if (problems.length > 0) throw new MssqlConnectionError(problems);
  return config as unknown as sql.config;
}

/** The connection with its password replaced, for logs and error messages (any URL, or a connection string). */
export function redactConnection(raw: string): string {
  if (isMssqlConnectionString(raw))
    return raw.replace(/((?:^|;)\s*(?:password|pwd)\s*=\s*)(\{(?:[^}]|\}\})*\}|[^;]*)/gi, '$1***');
  try {
    const url = new URL(raw);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '<invalid URL>';
  }
}
