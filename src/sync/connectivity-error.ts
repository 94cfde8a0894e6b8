const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'ESOCKET',
  // mssql and tedious: a request or connection timed out, the connection closed, or was left unusable by
  // a drop; the pool not open (yet, or any more).
  'ETIMEOUT',
  'ECLOSE',
  'EINVALIDSTATE',
  'ECONNCLOSED',
  'ENOTOPEN',
]);

/*
 * PostgreSQL states that say "not now" rather than "not this row": a statement cancelled by its timeout
 * (a lock held elsewhere), a read-only database during a failover, serialization failures and deadlocks.
 */
const TRANSIENT_SQLSTATES = new Set(['57014', '25006', '40001', '40P01']);

/*
 * SQL Server / Azure SQL error numbers Microsoft lists as transient: the database or service busy,
 * throttled, moving or failing over (40501, 40613, 49918–49920, 10928, 10929, 40197, 40540, 4060, 4221,
 * 233, 64, 10053, 10054, 10060) and a deadlock victim (1205).
 */
const TRANSIENT_SQL_SERVER_NUMBERS = new Set([
  40501, 40613, 49918, 49919, 49920, 10928, 10929, 40197, 40540, 4060, 4221, 233, 64, 10053, 10054, 10060,
  1205,
]);

/**
 * True for failures of the connection or of the database's state rather than of the statement: network
 * errors, PostgreSQL connection-exception and operator-intervention classes (08xxx, 57Pxx) and the
 * transient states above, SQL Server's transient error numbers, node-postgres' own "Connection
 * terminated" errors and mssql's pool timing out a wait for a connection. These must not count against an event's attempts: an event is not poison because
 * the database was away, busy or failing over.
 */
export function isConnectivityError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (NETWORK_CODES.has(code) ||
      code.startsWith('08') ||
      code.startsWith('57P') ||
      TRANSIENT_SQLSTATES.has(code))
  ) {
    return true;
  }
  const number = (error as { number?: unknown }).number;
  if (typeof number === 'number' && TRANSIENT_SQL_SERVER_NUMBERS.has(number)) return true;
  if (
    /connection (terminated|timeout|refused)|timeout exceeded when trying to connect|Client has encountered a connection error|Failed to acquire a connection from the pool/i.test(
      error.message,
    )
  ) {
    return true;
  }
  if (error instanceof AggregateError) return error.errors.some(isConnectivityError);
  return error.cause !== undefined && isConnectivityError(error.cause);
}
