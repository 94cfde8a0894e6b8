/**
 * Counts wrong admin tokens per client address so nobody can guess a token at network speed: once an
 * address has `maxFailures` failures inside `windowMs`, it is refused until the oldest of them is older
 * than the window. The window slides, so no address ever gets more than `maxFailures` guesses checked
 * in any `windowMs`, however it spaces them.
 *
 * State is per process (each replica counts on its own) and bounded: at most `maxTrackedAddresses`
 * addresses, each with at most `maxFailures` timestamps.
 */
export interface AuthFailureLimiterOptions {
  /** Default 10. */
  readonly maxFailures?: number;
  /** Default 5 minutes. */
  readonly windowMs?: number;
  /** Default 10,000; beyond it the address whose latest failure is oldest is forgotten. */
  readonly maxTrackedAddresses?: number;
  /** Milliseconds on any steady clock; tests pass a fake one. Default performance.now(). */
  readonly now?: () => number;
}

export interface AuthFailureLimiter {
  readonly maxFailures: number;
  readonly windowMs: number;
  /** Whole seconds (at least 1) until `address` may try again, or undefined when it may try now. */
  retryAfterSeconds(address: string): number | undefined;
  /** Records one wrong credential from `address`; true when this failure is the one that blocks it. */
  recordFailure(address: string): boolean;
  /** How many addresses have failures inside the window (expired ones may linger until the next failure). */
  readonly trackedAddresses: number;
}

export const DEFAULT_AUTH_FAILURE_LIMITS = {
  maxFailures: 10,
  windowMs: 5 * 60_000,
  maxTrackedAddresses: 10_000,
} as const;

export function createAuthFailureLimiter(options: AuthFailureLimiterOptions = {}): AuthFailureLimiter {
  const maxFailures = positiveInteger(
    'maxFailures',
    options.maxFailures ?? DEFAULT_AUTH_FAILURE_LIMITS.maxFailures,
  );
  const windowMs = positiveInteger('windowMs', options.windowMs ?? DEFAULT_AUTH_FAILURE_LIMITS.windowMs);
  const maxTracked = positiveInteger(
    'maxTrackedAddresses',
    options.maxTrackedAddresses ?? DEFAULT_AUTH_FAILURE_LIMITS.maxTrackedAddresses,
  );
  // A steady clock: a wall-clock step (NTP, a VM resuming) must not lengthen or lift a block.
  const now = options.now ?? (() => performance.now());

  // Failure times per address, oldest first. Every failure re-inserts its address, so the Map's order
  // is the order of each address's latest failure: the first entry is always the next to expire, and
  // the one to evict when the Map is full.
  const failures = new Map<string, number[]>();

  const current = (address: string, at: number): number[] | undefined => {
    const times = failures.get(address);
    if (times === undefined) return undefined;
    while (times.length > 0 && (times[0] as number) <= at - windowMs) times.shift();
    if (times.length > 0) return times;
    failures.delete(address);
    return undefined;
  };

  const dropExpired = (at: number): void => {
    for (const [address, times] of failures) {
      if ((times[times.length - 1] as number) > at - windowMs) break;
      failures.delete(address);
    }
  };

  return {
    maxFailures,
    windowMs,
    retryAfterSeconds(address: string): number | undefined {
      const at = now();
      const times = current(address, at);
      if (times === undefined || times.length < maxFailures) return undefined;
      return Math.max(1, Math.ceil(((times[0] as number) + windowMs - at) / 1000));
    },
    recordFailure(address: string): boolean {
      const at = now();
      dropExpired(at);
      const times = current(address, at) ?? [];
      const wasBlocked = times.length >= maxFailures;
      times.push(at);
      // Callers check retryAfterSeconds first, so this only trims if one did not.
      if (times.length > maxFailures) times.shift();
      failures.delete(address);
      failures.set(address, times);
      if (failures.size > maxTracked) {
        const oldest = failures.keys().next();
        if (oldest.done !== true) failures.delete(oldest.value);
      }
      return !wasBlocked && times.length >= maxFailures;
    },
    get trackedAddresses(): number {
      return failures.size;
    },
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}
