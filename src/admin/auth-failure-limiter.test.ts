import { describe, expect, it } from '@jest/globals';
import { createAuthFailureLimiter } from './auth-failure-limiter.ts';

const MINUTE = 60_000;

/** A limiter on a clock the test moves by hand. */
function limiterAt(start = 1_000_000, options: { maxTrackedAddresses?: number } = {}) {
  let now = start;
  const limiter = createAuthFailureLimiter({ ...options, now: () => now });
  return {
    limiter,
    advance(ms: number): void {
      now += ms;
    },
  };
}

function fail(
  limiter: ReturnType<typeof createAuthFailureLimiter>,
  address: string,
  times: number,
): boolean[] {
  return Array.from({ length: times }, () => limiter.recordFailure(address));
}

describe('createAuthFailureLimiter', () => {
  it('blocks an address at its tenth failure within five minutes, and says so exactly once', () => {
    const { limiter } = limiterAt();
    const blockedNow = fail(limiter, '10.0.0.1', 9);
    expect(blockedNow).toEqual(Array(9).fill(false));
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBeUndefined();
    expect(limiter.recordFailure('10.0.0.1')).toBe(true);
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(300);
    // A caller that records anyway does not get a second "became blocked".
    expect(limiter.recordFailure('10.0.0.1')).toBe(false);
  });

  it('counts down Retry-After in whole seconds, rounding up, and lifts the block when the window passes', () => {
    const { limiter, advance } = limiterAt();
    fail(limiter, '10.0.0.1', 10);
    advance(1_500);
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(299);
    advance(4 * MINUTE + 58_000); // 500 ms before the first failure is five minutes old
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(1);
    advance(500);
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBeUndefined();
  });

  it('slides the window: only failures from the last five minutes count', () => {
    const { limiter, advance } = limiterAt();
    fail(limiter, '10.0.0.1', 5);
    advance(3 * MINUTE);
    fail(limiter, '10.0.0.1', 4);
    advance(2 * MINUTE); // the first five are now exactly five minutes old, so they have expired
    expect(limiter.recordFailure('10.0.0.1')).toBe(false);
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBeUndefined();
    fail(limiter, '10.0.0.1', 4);
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBeUndefined();
    expect(limiter.recordFailure('10.0.0.1')).toBe(true);
    // Blocked until the oldest of the ten (two minutes old) is five minutes old.
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(180);
  });

  it('starts an address from zero once its failures are older than the window', () => {
    const { limiter, advance } = limiterAt();
    fail(limiter, '10.0.0.1', 10);
    advance(5 * MINUTE);
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBeUndefined();
    expect(fail(limiter, '10.0.0.1', 9)).toEqual(Array(9).fill(false));
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBeUndefined();
  });

  it('keeps each address to its own count', () => {
    const { limiter } = limiterAt();
    fail(limiter, '10.0.0.1', 10);
    fail(limiter, '10.0.0.2', 9);
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(300);
    expect(limiter.retryAfterSeconds('10.0.0.2')).toBeUndefined();
  });

  it('forgets the address whose latest failure is oldest when it tracks too many', () => {
    const { limiter, advance } = limiterAt(0, { maxTrackedAddresses: 3 });
    fail(limiter, 'a', 10);
    advance(1_000);
    fail(limiter, 'b', 10);
    advance(1_000);
    fail(limiter, 'c', 10);
    advance(1_000);
    limiter.recordFailure('a'); // already blocked; records anyway, so 'a' is now the latest
    expect(limiter.trackedAddresses).toBe(3);
    limiter.recordFailure('d');
    expect(limiter.trackedAddresses).toBe(3);
    expect(limiter.retryAfterSeconds('b')).toBeUndefined();
    expect(limiter.retryAfterSeconds('a')).toBeGreaterThan(0);
    expect(limiter.retryAfterSeconds('c')).toBeGreaterThan(0);
  });

  it('never tracks more than the cap, however many addresses fail', () => {
    const { limiter, advance } = limiterAt(0, { maxTrackedAddresses: 100 });
    for (let i = 0; i < 5_000; i++) {
      limiter.recordFailure(`10.1.${i >> 8}.${i & 255}`);
      advance(1);
      expect(limiter.trackedAddresses).toBeLessThanOrEqual(100);
    }
    expect(limiter.trackedAddresses).toBe(100);
  });

  it('drops addresses whose failures have expired when the next failure is recorded', () => {
    const { limiter, advance } = limiterAt();
    for (let i = 0; i < 50; i++) limiter.recordFailure(`10.0.0.${i}`);
    expect(limiter.trackedAddresses).toBe(50);
    advance(5 * MINUTE);
    limiter.recordFailure('10.9.9.9');
    expect(limiter.trackedAddresses).toBe(1);
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => createAuthFailureLimiter({ maxFailures: 0 })).toThrow(/maxFailures/);
    expect(() => createAuthFailureLimiter({ windowMs: 1.5 })).toThrow(/windowMs/);
    expect(() => createAuthFailureLimiter({ maxTrackedAddresses: -1 })).toThrow(/maxTrackedAddresses/);
  });
});
