import type { IncomingMessage } from 'node:http';

import type { FlagResolver, ModeDecision } from '../../../flags/flag-resolver.ts';
import type { Principal } from '../../identity/principal.ts';
import type { Logger } from '../../observability/logger.ts';
import { errorDetails } from '../../observability/logger.ts';
import type { RouteRecord } from '../../routing/route.ts';
import { stickinessId } from '../stickiness.ts';

export const LEGACY_DECISION: ModeDecision = { mode: 'legacy', serve: 'legacy' };

/**
 * Which side serves a matched request: its route's flag, for this caller's stickiness id (`caller`, the
 * verified one, for a route sticking on a verified claim).
 */
export type Decide = (route: RouteRecord, req: IncomingMessage, caller?: Principal) => ModeDecision;

/**
 * `verifiesCallers` false (no issuer configured): a route with a policy is legacy's whatever its flag
 * says, since no new handler may run for a caller nobody checked; a flag asking otherwise is logged once.
 */
export function createDecide(flags: FlagResolver, logger: Logger, verifiesCallers = true): Decide {
  const warned = new Set<string>();
  const holdOnLegacy = (route: RouteRecord): ModeDecision => {
    if (!warned.has(route.id) && flags.currentMode(route.flag) !== 'legacy') {
      warned.add(route.id);
      logger.warn('route has a policy but no issuer is configured (AUTH_ISSUER): legacy serves it', {
        route: route.id,
        flagMode: flags.currentMode(route.flag),
      });
    }
    return LEGACY_DECISION;
  };
  return (route, req, caller) => {
    // A flag problem must never fail a request: anything odd is legacy, the side that served before migration.
    try {
      if (flags.killSwitchOn()) return LEGACY_DECISION;
      if (route.policy !== undefined && !verifiesCallers) return holdOnLegacy(route);
      const remoteAddress = req.socket.remoteAddress;
      const decision = flags.decide(route.flag, {
        stickinessId: stickinessId(route.stickiness, req.headers, remoteAddress, caller),
        ...(remoteAddress === undefined ? {} : { remoteAddress }),
      });
      if (decision.serve !== 'new' && decision.serve !== 'legacy') return LEGACY_DECISION;
      return decision;
    } catch (error: unknown) {
      logger.warn('flag decision failed, serving legacy', { route: route.id, error: errorDetails(error) });
      return LEGACY_DECISION;
    }
  };
}

/**
 * A route whose canary buckets on the verified caller needs the caller before its decision, but only
 * while its flag can send someone to the new side or a shadow: a legacy route never pays for a token.
 */
export function bucketsOnVerifiedCaller(flags: FlagResolver, route: RouteRecord): boolean {
  if (route.stickiness.kind !== 'verified-claim') return false;
  try {
    return !flags.killSwitchOn() && flags.currentMode(route.flag) !== 'legacy';
  } catch {
    return false;
  }
}
