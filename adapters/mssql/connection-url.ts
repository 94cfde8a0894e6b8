/*
 * `mssql://user:password@host:1433/database?encrypt=true&trustServerCertificate=false&...` → tedious
 * options. Azure SQL defaults: TLS on and the server certificate verified; a caller has to opt out
 * explicitly (a local SQL Server container with a self-signed certificate).
 * https://learn.microsoft.com/azure/azure-sql/database/connect-query-nodejs
 */

export interface MssqlConnectionSettings {
  readonly server: string;
  readonly port: number;
  readonly database: string;
  readonly userName: string;
  readonly password: string;
  readonly encrypt: boolean;
  readonly trustServerCertificate: boolean;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly appName: string;
  readonly poolMax: number;
  /** Connection attempts after the first one, on transient errors only (see connect-with-retry.ts). */
  readonly connectRetries: number;
  readonly connectRetryBaseMs: number;
}

export class MssqlUrlError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid mssql:// URL: ${problems.join('; ')}`);
    this.name = 'MssqlUrlError';
    this.problems = problems;
  }
}

const KNOWN_PARAMS = new Set([
  'encrypt',
  'trustServerCertificate',
  'connectTimeout',
  'requestTimeout',
  'appName',
  'poolMax',
  'connectRetries',
  'connectRetryBaseMs',
]);

export function parseMssqlUrl(raw: string): MssqlConnectionSettings {
  const problems: string[] = [];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new MssqlUrlError(['not a valid URL']);
  }
  if (url.protocol !== 'mssql:' && url.protocol !== 'sqlserver:') {
    problems.push(`scheme must be mssql: (got "${url.protocol}")`);
  }
  const bool = (name: string, fallback: boolean): boolean => {
    const v = url.searchParams.get(name);
    if (v === null) return fallback;
    if (v === 'true') return true;
    if (v === 'false') return false;
    problems.push(`${name} must be true or false (got "${v}")`);
    return fallback;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const v = url.searchParams.get(name);
    if (v === null) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got "${v}")`);
      return fallback;
    }
    return n;
  };
  for (const name of url.searchParams.keys()) {
    if (!KNOWN_PARAMS.has(name)) problems.push(`unknown parameter "${name}"`);
  }
  if (url.hostname === '') problems.push('host is missing');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/'))
    problems.push('database name is missing (mssql://…/<database>)');
  const userName = decodeURIComponent(url.username);
  if (userName === '') problems.push('user name is missing');

  const settings: MssqlConnectionSettings = {
    server: url.hostname,
    port: url.port === '' ? 1433 : Number(url.port),
    database,
    userName,
    password: decodeURIComponent(url.password),
    encrypt: bool('encrypt', true),
    trustServerCertificate: bool('trustServerCertificate', false),
    // Azure SQL serverless can take tens of seconds to resume; 30 s is what Microsoft recommends.
    connectTimeoutMs: int('connectTimeout', 30_000, 1_000, 600_000),
    requestTimeoutMs: int('requestTimeout', 30_000, 1_000, 3_600_000),
    appName: url.searchParams.get('appName') ?? 'strangler',
    poolMax: int('poolMax', 10, 1, 1_000),
    connectRetries: int('connectRetries', 5, 0, 50),
    connectRetryBaseMs: int('connectRetryBaseMs', 500, 1, 60_000),
  };
  if (problems.length > 0) throw new MssqlUrlError(problems);
  return settings;
}

/** The URL with the password replaced, for logs and error messages. */
export function redactMssqlUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '<invalid URL>';
  }
}
