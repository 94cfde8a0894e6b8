const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'ESOCKET',
]);

/**
 * True for failures of the connection rather than of the statement: network errors, PostgreSQL
 * connection-exception and operator-intervention classes (08xxx, 57Pxx), node-postgres' own
 * "Connection terminated" errors. These must not count against an event's attempts: an event is not
 * poison because the database was away.
 */
export function isConnectivityError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (NETWORK_CODES.has(code) || code.startsWith('08') || code.startsWith('57P'))
  ) {
    return true;
  }
  if (
    /connection (terminated|timeout|refused)|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      error.message,
    )
  ) {
    return true;
  }
  if (error instanceof AggregateError) return error.errors.some(isConnectivityError);
  return error.cause !== undefined && isConnectivityError(error.cause);
}
