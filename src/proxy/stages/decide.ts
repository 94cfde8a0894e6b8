import type { IncomingMessage } from 'node:http';

import type { FlagResolver, ModeDecision } from '../../../flags/flag-resolver.ts';
import type { Logger } from '../../observability/logger.ts';
import { errorDetails } from '../../observability/logger.ts';
import type { RouteRecord } from '../../routing/route.ts';
import { stickinessId } from '../stickiness.ts';

export const LEGACY_DECISION: ModeDecision = { mode: 'legacy', serve: 'legacy' };

/** Which side serves a matched request: its route's flag, for this caller's stickiness id. */
export type Decide = (route: RouteRecord, req: IncomingMessage) => ModeDecision;

export function createDecide(flags: FlagResolver, logger: Logger): Decide {
  return (route, req) => {
    // A flag problem must never fail a request: anything odd is legacy, the side that served before migration.
    try {
      if (flags.killSwitchOn()) return LEGACY_DECISION;
      const remoteAddress = req.socket.remoteAddress;
      const decision = flags.decide(route.flag, {
        stickinessId: stickinessId(route.stickiness, req.headers, remoteAddress),
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
