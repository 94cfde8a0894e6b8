import { describe, expect, it } from '@jest/globals';
import { createVerifiedTokenCache } from './verified-token-cache.ts';
import type { Principal } from './principal.ts';

const principal = (subject: string): Principal => ({
  subject,
  organisationId: '0c6f9f9e-3a0b-4e55-9d7e-2f1f5c1d0a01',
  scopes: new Set(),
  roles: new Set(),
});

describe('verified token cache', () => {
  it('keeps a token until its expiry plus the skew', () => {
    const cache = createVerifiedTokenCache(10, 300);
    cache.remember('t', principal('a'), 1000, undefined);
    expect(cache.lookup('t', 1300)?.subject).toBe('a');
    expect(cache.lookup('t', 1301)).toBeUndefined();
  });

  it('holds at most its limit, dropping the oldest', () => {
    const cache = createVerifiedTokenCache(2, 0);
    cache.remember('a', principal('a'), 1e10, undefined);
    cache.remember('b', principal('b'), 1e10, undefined);
    cache.remember('c', principal('c'), 1e10, undefined);
    expect(cache.lookup('a', 0)).toBeUndefined();
    expect(cache.lookup('b', 0)?.subject).toBe('b');
    expect(cache.lookup('c', 0)?.subject).toBe('c');
  });
});
