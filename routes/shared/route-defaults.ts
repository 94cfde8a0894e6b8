import type { RoutePolicy } from '../../src/identity/principal.ts';
import type { CompareRules } from '../../src/shadow/compare/compare-rules.ts';
import {
  flagNameFor,
  type RouteRecord,
  type ShadowSettings,
  type StickinessKey,
} from '../../src/routing/route.ts';

/*
 * What every migrated athlete-API route shares: who a caller is for sticky canaries, what the caller's
 * token must grant, and how its shadow comparison is normalised.
 */

/** Partner integrations send X-Tenant-Id on every call, so a tenant stays on one side during a canary. */
export const TENANT_STICKINESS: StickinessKey = { kind: 'header', name: 'X-Tenant-Id' };

/**
 * Differences that are not defects:
 *  - `traceId` is the W3C trace id of the request on the serving process; it never matches.
 *  - timestamps legacy wrote to Azure SQL carry 100 ns ticks (datetime2(7)); PostgreSQL keeps
 *    microseconds, so the new side answers the same instant rounded (`.1234567` → `.1234570`).
 * Member order is compared (`keyOrder`): the legacy's clients include code that reads positionally.
 */
export const BASE_COMPARE_RULES: CompareRules = {
  headers: ['content-type', 'x-total-count'],
  ignore: ['$.traceId'],
  dateTolerance: [
    { path: '$..CreatedAt', nanoseconds: 500 },
    { path: '$..UpdatedAt', nanoseconds: 500 },
  ],
  keyOrder: true,
};

/**
 * A create answers with a fresh GUID, the server's clock and a Location holding that GUID, so none of
 * them can match between two servers; everything else must.
 */
export function createCompareRules(idMember: string, timestampMembers: readonly string[]): CompareRules {
  return {
    ...BASE_COMPARE_RULES,
    ignore: ['$.traceId', `$.${idMember}`, ...timestampMembers.map((m) => `$.${m}`)],
  };
}

/** An update writes the server's clock into the listed members. */
export function updateCompareRules(timestampMembers: readonly string[]): CompareRules {
  return { ...BASE_COMPARE_RULES, ignore: ['$.traceId', ...timestampMembers.map((m) => `$.${m}`)] };
}

export function shadowSettings(compare: CompareRules): ShadowSettings {
  return { sampleRate: 1, captureLimitBytes: 256 * 1024, timeoutMs: 5000, compare };
}

/**
 * A migrated route of one method: its flag named after its id, tenant-sticky, refused to callers
 * without `policy` (routes/shared/policies.ts), shadowed with `compare`.
 */
export function tenantRoute(
  id: string,
  method: RouteRecord['methods'][number],
  path: string,
  policy: RoutePolicy,
  handler: RouteRecord['handler'],
  compare: CompareRules = BASE_COMPARE_RULES,
): RouteRecord {
  return {
    id,
    methods: [method],
    path,
    flag: flagNameFor(id),
    handler,
    stickiness: TENANT_STICKINESS,
    policy,
    shadow: shadowSettings(compare),
  };
}
