export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 60_000 };

/** The sync loops' pause after a failed batch or while legacy is down: never more than 5 s behind a recovery. */
export const LOOP_BACKOFF: BackoffOptions = { baseMs: 200, maxMs: 5000 };

/**
 * Delay before retry `attempt` (1 = first retry): a ceiling that doubles per attempt up to `maxMs`, and
 * a random delay in its upper half ("equal jitter"), so retries of many callers that failed together
 * spread out while each still waits at least half the ceiling
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
