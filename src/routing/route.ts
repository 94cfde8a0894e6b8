import type { NewHandler } from '../handlers/new-handler.ts';
import type { RoutePolicy } from '../identity/principal.ts';

/** How a route is served. `canary` is derived from a partial rollout of the route's flag. */
export type Mode = 'legacy' | 'shadow' | 'canary' | 'new';
export const MODES: readonly Mode[] = ['legacy', 'shadow', 'canary', 'new'];

/** The side that produces the client's response for one request. */
export type Target = 'legacy' | 'new';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
export const HTTP_METHODS: readonly HttpMethod[] = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
];
/** RFC 9110 §9.2.1: safe methods may be retried against legacy and shadowed to legacy. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Where the stable caller id for sticky canary comes from. */
export type StickinessKey =
  | { readonly kind: 'header'; readonly name: string }
  /** Read from the bearer token without verifying it: it picks a bucket and grants nothing. */
  | { readonly kind: 'jwt-claim'; readonly claim: string }
  /**
   * The verified caller's subject or organisation, on a route with a policy: a forged token cannot
   * move a caller between sides, and `organisation` keeps a whole tenant on one side.
   */
  | { readonly kind: 'verified-claim'; readonly claim: VerifiedClaim }
  | { readonly kind: 'client-address' };

export type VerifiedClaim = 'subject' | 'organisation';
export const VERIFIED_CLAIMS: readonly VerifiedClaim[] = ['subject', 'organisation'];

/** Per-route shadow settings (used by src/shadow). Rules are the comparison engine's own type. */
export interface ShadowSettings {
  /** 0..1, fraction of requests compared; a flag variant payload may override it. */
  readonly sampleRate: number;
  /** Bytes of each response (and request body) kept for comparison; over it the comparison is skipped. */
  readonly captureLimitBytes: number;
  readonly timeoutMs: number;
  /** Comparison rules; opaque here so routing does not depend on the comparison engine. */
  readonly compare?: unknown;
  /**
   * The synced tables (new-side names) the route reads: a mismatch is re-checked against the dual-write
   * sync's lag only when the sync moved a row of one of them. Default: every synced table.
   */
  readonly syncTables?: readonly string[];
}

/** A migrated route: immutable, declared in routes/<resource>/, validated all at once at startup. */
export interface RouteRecord {
  readonly id: string;
  readonly methods: readonly HttpMethod[];
  /** Path template, e.g. `/api/athletes/{id}/wellness`. Matched against the decoded path segments. */
  readonly path: string;
  /** Unleash flag name, `strangler.<id>`. */
  readonly flag: string;
  readonly handler: NewHandler;
  /** Legacy timeout for this route (ms); LEGACY_TIMEOUT_MS when unset. */
  readonly legacyTimeoutMs?: number;
  /** New handler timeout (ms); on a safe method a timeout falls back to legacy. */
  readonly handlerTimeoutMs?: number;
  readonly stickiness: StickinessKey;
  readonly shadow?: ShadowSettings;
  /**
   * Template parameters whose values are personal data (`email` for `/api/users/{email}`): their
   * path segments are masked in the request log and in stored shadow samples.
   */
  readonly redactPathParams?: readonly string[];
  /**
   * What the caller's bearer token must grant, as legacy's [Authorize] policy for the action asks:
   * checked before the new handler runs, refused as legacy refuses. A route without one is open.
   */
  readonly policy?: RoutePolicy;
  /**
   * Lets an unsafe method go to legacy when the new side cannot take it (circuit open, database
   * unreachable) instead of the 503 it gets by default. Dangerous while the sync runs: the write lands
   * on the side that does not own the entity and races the owner's writes through the sync (it may be
   * recorded as a conflict and lost), and the client is told it succeeded. See docs/proxy.md.
   */
  readonly unsafeFallbackToLegacy?: boolean;
}

/** Every flag strangler reads starts with `strangler.`, so one Unleash project can hold other apps' flags too. */
export function flagNameFor(routeId: string): string {
  return `strangler.${routeId}`;
}

/**
 * A request matched to a route, with its decoded template parameters (`%2F` stays encoded, as in
 * ASP.NET Core route values; see src/routing/route-table.ts for every matching rule).
 */
export interface RouteMatch {
  readonly route: RouteRecord;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * The immutable, validated set of routes (implemented in src/routing/route-table.ts). Unmatched
 * requests go to legacy through the catch-all, which is not a route record.
 */
export interface RouteTable {
  readonly routes: readonly RouteRecord[];
  /** `rawPath` is the path as received (percent-encoded, no query string). */
  match(method: string, rawPath: string): RouteMatch | undefined;
}
