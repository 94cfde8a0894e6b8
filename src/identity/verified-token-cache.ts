/*
 * Tokens already verified, with their principal, until they expire (plus the clock skew the verifier
 * allows). Bounded: past the limit the oldest entry goes, so a flood of distinct valid tokens costs
 * memory for `limit` of them and no more. Only successes are kept: a refused token is checked again.
 */
import type { Principal } from './principal.ts';

export interface VerifiedTokenCache {
  lookup(token: string, nowSeconds: number): Principal | undefined;
  remember(token: string, principal: Principal, expiresAt: number, notBefore: number | undefined): void;
}

interface Entry {
  readonly principal: Principal;
  readonly validFrom: number;
  readonly validUntil: number;
}

export function createVerifiedTokenCache(limit: number, skewSeconds: number): VerifiedTokenCache {
  const entries = new Map<string, Entry>();
  return {
    lookup(token, nowSeconds) {
      const entry = entries.get(token);
      if (!entry) return undefined;
      if (nowSeconds > entry.validUntil || nowSeconds < entry.validFrom) {
        entries.delete(token);
        return undefined;
      }
      return entry.principal;
    },
    remember(token, principal, expiresAt, notBefore) {
      if (limit <= 0) return;
      if (entries.size >= limit) entries.delete(entries.keys().next().value as string);
      entries.set(token, {
        principal,
        validFrom: notBefore === undefined ? -Infinity : notBefore - skewSeconds,
        validUntil: expiresAt + skewSeconds,
      });
    },
  };
}
