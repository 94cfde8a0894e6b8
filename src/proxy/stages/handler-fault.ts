/**
 * Whose fault a new handler's failure is, which decides what the circuit breaker learns and what an
 * unsafe method gets:
 * - `client-input`: the database refused a value the client sent (a data exception, or an integrity
 *   rule the client's data broke). A client can send it again and again, so it must not move a route.
 * - `unavailable`: the handler never reached its database (refused, unresolvable, or no connection
 *   within the pool's wait). Nothing was written, so the request may be answered 503 and retried.
 * - `server`: anything else (a bug, a timeout, a connection lost mid-transaction): it counts.
 */
export type HandlerFault = 'client-input' | 'unavailable' | 'server';

/*
 * PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html). Class 22 is
 * the value itself (22021 a NUL or bad byte, 22P05 an untranslatable character, 22001 too long, 22003
 * out of range, 22007/22008 a bad date). Of class 23, a foreign key, a unique key and a check are what
 * the client's data decides; a NOT NULL (23502) or exclusion violation means the handler sent what
 * it should have refused, a server bug.
 */
const CLIENT_INTEGRITY = new Set(['23503', '23505', '23514']);

/*
 * The connection could not be made: 08001/08004 (the server refused it), 57P03 (starting or shutting
 * down), 53300 (no connection slot left: a legacy that restarts cold can take them all), and the
 * network's own codes.
 */
const CANNOT_CONNECT_STATES = new Set(['08001', '08004', '57P03', '53300']);
const CANNOT_CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/**
 * node-postgres giving up on a connection within its `connectionTimeoutMillis`: the pool waiting for a
 * free one, or a new one not answering.
 */
const POOL_CONNECT_TIMEOUT = /timeout exceeded when trying to connect|terminated due to connection timeout/i;

export function handlerFault(error: unknown): HandlerFault {
  for (const cause of causes(error)) {
    const code = cause.code;
    if (typeof code === 'string') {
      if (code.startsWith('22') || CLIENT_INTEGRITY.has(code)) return 'client-input';
      if (CANNOT_CONNECT_STATES.has(code) || CANNOT_CONNECT_CODES.has(code)) return 'unavailable';
    }
    if (POOL_CONNECT_TIMEOUT.test(cause.message)) return 'unavailable';
  }
  return 'server';
}

interface ErrorLike {
  readonly message: string;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
}

/**
 * The error, its `cause` chain and an AggregateError's members (a connect tried on IPv4 and IPv6).
 * Duck-typed: errors made by node's own modules come from another realm than a test's `Error`.
 */
function causes(error: unknown, depth = 0): ErrorLike[] {
  if (typeof error !== 'object' || error === null || depth > 4) return [];
  const found = error as ErrorLike;
  if (typeof found.message !== 'string') return [];
  const inner = Array.isArray(found.errors) ? (found.errors as unknown[]) : [];
  return [found, ...[...inner, found.cause].flatMap((e) => causes(e, depth + 1))];
}
