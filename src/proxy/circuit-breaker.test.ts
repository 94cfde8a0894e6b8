import { describe, expect, it } from '@jest/globals';
import { createCircuitBreaker } from './circuit-breaker.ts';
import type { CircuitState } from './circuit-breaker.ts';

describe('circuit breaker', () => {
  const setup = () => {
    let now = 0;
    const changes: CircuitState[] = [];
    const breaker = createCircuitBreaker(
      { failureThreshold: 3, openMs: 1000 },
      { now: () => now, onStateChange: (state) => changes.push(state) },
    );
    return { breaker, changes, advance: (ms: number) => (now += ms) };
  };

  it('stays closed until the failures are consecutive and reach the threshold', () => {
    const { breaker } = setup();
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state()).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('lets exactly one probe through after the open interval', () => {
    const { breaker, advance } = setup();
    for (let i = 0; i < 3; i += 1) breaker.recordFailure();
    advance(999);
    expect(breaker.tryAcquire()).toBe(false);
    advance(1);
    expect(breaker.state()).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('reopens for a full interval when the probe fails, and closes when it succeeds', () => {
    const { breaker, advance, changes } = setup();
    for (let i = 0; i < 3; i += 1) breaker.recordFailure();
    advance(1000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordFailure();
    expect(breaker.tryAcquire()).toBe(false);
    advance(1000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordSuccess();
    expect(breaker.state()).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(true);
    expect(changes).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('frees the probe slot when the probe ends without an outcome', () => {
    const { breaker, advance } = setup();
    for (let i = 0; i < 3; i += 1) breaker.recordFailure();
    advance(1000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.release();
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('tells how long until its probe: the rest of the open interval, none once half-open or closed', () => {
    const { breaker, advance } = setup();
    expect(breaker.retryAfterMs()).toBe(0);
    for (let i = 0; i < 3; i += 1) breaker.recordFailure();
    expect(breaker.retryAfterMs()).toBe(1000);
    advance(400);
    expect(breaker.retryAfterMs()).toBe(600);
    advance(600);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.retryAfterMs()).toBe(0);
  });
});
