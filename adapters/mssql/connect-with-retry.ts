/*
 * Opening a connection to Azure SQL fails now and then for reasons that go away by themselves
 * (failover, throttling, a serverless database resuming). Microsoft's guidance is to retry those
 * errors with a growing delay: https://learn.microsoft.com/azure/azure-sql/database/troubleshoot-common-connectivity-issues
 * tedious' own retry uses a fixed interval and a shorter list (no 49918), so it is switched off
 * (maxRetriesOnTransientErrors: 0) and this policy is used instead.
 */

import { backoffDelayMs } from '../../src/sync/backoff.ts';

/** Server error numbers Azure SQL documents as transient at login. */
export const TRANSIENT_SQL_ERRORS: ReadonlySet<number> = new Set([
  4060, 10928, 10929, 40197, 40501, 40613, 49918,
]);
/** Socket-level tedious codes worth another attempt (the gateway or the network, not the credentials). */
const TRANSIENT_CODES: ReadonlySet<string> = new Set(['ETIMEOUT', 'ESOCKET']);

/** The part of a tedious Connection this module uses. */
export interface ConnectableConnection {
  connect(callback: (error?: Error) => void): void;
  on(event: 'errorMessage', listener: (token: { number: number; message: string }) => void): unknown;
  close(): void;
}

export interface RetryPolicy {
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs?: number;
  /** Injected so tests do not wait for real back-off delays. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRetry?: (attempt: number, delayMs: number, error: Error) => void;
}

export class MssqlConnectError extends Error {
  readonly serverErrorNumber: number | undefined;
  readonly attempts: number;
  constructor(message: string, attempts: number, serverErrorNumber: number | undefined, cause: Error) {
    super(message, { cause });
    this.name = 'MssqlConnectError';
    this.attempts = attempts;
    this.serverErrorNumber = serverErrorNumber;
  }
}

export function isTransientConnectError(error: Error, serverErrorNumber: number | undefined): boolean {
  if (serverErrorNumber !== undefined) return TRANSIENT_SQL_ERRORS.has(serverErrorNumber);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function attemptConnect<C extends ConnectableConnection>(
  connection: C,
): Promise<{ ok: true } | { ok: false; error: Error; serverErrorNumber: number | undefined }> {
  return new Promise((resolve) => {
    let serverErrorNumber: number | undefined;
    // The login error itself does not carry the server's error number; the errorMessage token does.
    connection.on('errorMessage', (token) => {
      serverErrorNumber = token.number;
    });
    connection.connect((error?: Error) => {
      if (error === undefined || error === null) resolve({ ok: true });
      else
        resolve({
          ok: false,
          error: error instanceof AggregateError ? (error.errors[0] ?? error) : error,
          serverErrorNumber,
        });
    });
  });
}

/** A fresh connection per attempt: a tedious Connection cannot be reconnected once it failed. */
export async function connectWithRetry<C extends ConnectableConnection>(
  create: () => C,
  policy: RetryPolicy,
): Promise<C> {
  const sleep = policy.sleep ?? defaultSleep;
  const maxDelayMs = policy.maxDelayMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    const connection = create();
    const result = await attemptConnect(connection);
    if (result.ok) return connection;
    try {
      connection.close();
    } catch (error: unknown) {
      // Closing a connection that never opened may throw; it is discarded either way.
      void error;
    }
    const transient = isTransientConnectError(result.error, result.serverErrorNumber);
    if (!transient || attempt > policy.retries) {
      throw new MssqlConnectError(
        `SQL Server connection failed after ${attempt} attempt(s)${transient ? '' : ' (not transient)'}: ${result.error.message}`,
        attempt,
        result.serverErrorNumber,
        result.error,
      );
    }
    const delay = backoffDelayMs(attempt, { baseMs: policy.baseDelayMs, maxMs: maxDelayMs });
    policy.onRetry?.(attempt, delay, result.error);
    await sleep(delay);
  }
}
