import type { IncomingMessage, ServerResponse } from 'node:http';

import type { FlagResolver, ModeDecision } from '../../flags/flag-resolver.ts';
import type { Logger } from '../observability/logger.ts';
import { errorDetails } from '../observability/logger.ts';
import type { RouteMatch } from '../routing/route.ts';
import type { Exchange } from './exchange.ts';
import { sendInternalError } from './problem-response.ts';
import type { Account } from './stages/account.ts';
import { bucketsOnVerifiedCaller } from './stages/decide.ts';
import type { Decide } from './stages/decide.ts';
import { refuseFraming, sendBadRequest } from './stages/framing.ts';
import { refusedWhileOpen } from './stages/guard.ts';
import type { BreakerFor } from './stages/guard.ts';
import { sendRefusal } from './stages/identify.ts';
import type { Identified, Identify } from './stages/identify.ts';
import type { Matched } from './stages/match.ts';
import type { Observation, Observe } from './stages/observe.ts';
import type { Pipelining } from './stages/pipelining.ts';
import type { ServeLegacy } from './stages/serve-legacy.ts';
import type { ServeNew } from './stages/serve-new.ts';
import { noteHandshakeOnRoute } from './stages/upgrade.ts';

/*
 * One request through the public port's stages (src/proxy/stages/), in this order:
 *
 *   (turn)    a pipelined request waits for the responses before it, and is   stages/pipelining.ts
 *             dropped if one of them closed the connection
 *   match     read the path as Kestrel does, find the route (or the catch-all)  stages/match.ts
 *             and open the Exchange; what RFC 9112 refuses (Host, target form,  stages/framing.ts
 *             transfer coding) and a path Kestrel refuses are answered here, as Kestrel does
 *   decide    the route's flag for this caller: legacy, shadow, canary or new   stages/decide.ts
 *   observe   tee what is sent and received, for shadow comparison             stages/observe.ts
 *   identify  verify the caller of a route with a policy, or refuse as legacy  stages/identify.ts
 *   guard     the route's circuit breaker before its new handler (open: safe      stages/guard.ts
 *             methods to legacy, unsafe ones 503 unless the route opts in)
 *   serve     legacy (streamed) or new (buffered, with fallback to legacy)      stages/serve-legacy.ts
 *                                                                                stages/serve-new.ts
 *   account   metrics and the request log, once the response closes           stages/account.ts
 *
 * Identify runs only on the way to a new handler, so catch-all and legacy-served requests never pay
 * for a token; a route whose canary buckets on the verified caller identifies before it decides, and
 * only while its flag is not plain legacy.
 */

export interface Stages {
  readonly flags: FlagResolver;
  readonly pipelining: Pipelining;
  readonly match: (req: IncomingMessage) => Matched;
  readonly decide: Decide;
  readonly identify: Identify;
  readonly observe: Observe;
  readonly breakerFor: BreakerFor;
  readonly serveLegacy: ServeLegacy;
  readonly serveNew: ServeNew;
  readonly account: Account;
}

/** One matched request on its way through the stages after the decision. */
interface Serving {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly exchange: Exchange;
  readonly matched: RouteMatch;
  readonly decision: ModeDecision;
  readonly observation: Observation | undefined;
}

export function requestPipeline(
  stages: Stages,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { match, decide, identify, observe, breakerFor, serveLegacy, serveNew, account } = stages;
  const failed = (res: ServerResponse, exchange: Exchange) => (error: unknown) =>
    failRequest(res, exchange, error, logger);

  const serveLegacySide = ({ req, res, exchange, matched, decision, observation }: Serving): void => {
    if (observation !== undefined)
      observe.announceWhenReceived(req, exchange, matched, decision, observation);
    serveLegacy(req, res, exchange);
  };

  const serveNewSide = (serving: Serving, identified: Identified): void => {
    const { req, res, exchange, matched, observation } = serving;
    if (identified !== 'allowed') {
      sendRefusal(res, exchange, identified);
      return;
    }
    const breaker = breakerFor(matched.route.id);
    if (!breaker.tryAcquire()) {
      if (!refusedWhileOpen(req, res, exchange, matched.route, breaker)) serveLegacySide(serving);
      return;
    }
    serveNew(req, res, exchange, matched, breaker, observation).catch(failed(res, exchange));
  };

  // `identified`: the caller already, when a canary bucketing on it needed it for the decision.
  const serveDecided = (
    req: IncomingMessage,
    res: ServerResponse,
    exchange: Exchange,
    matched: RouteMatch,
    identified: Identified | undefined,
  ): void => {
    const decision = decide(matched.route, req, exchange.principal);
    exchange.mode = decision.mode;
    const observation = observe.start(req, res, exchange, matched, decision);
    const serving: Serving = { req, res, exchange, matched, decision, observation };
    if (decision.serve !== 'new') return serveLegacySide(serving);
    if (identified !== undefined) return serveNewSide(serving, identified);
    const pending = identify.caller(matched.route, req, exchange);
    if (pending === undefined) return serveNewSide(serving, 'allowed');
    pending.then((caller) => serveNewSide(serving, caller)).catch(failed(res, exchange));
  };

  const serveMatched = (
    req: IncomingMessage,
    res: ServerResponse,
    exchange: Exchange,
    matched: RouteMatch,
  ) => {
    const first =
      identify.verifies && bucketsOnVerifiedCaller(stages.flags, matched.route)
        ? identify.caller(matched.route, req, exchange)
        : undefined;
    if (first === undefined) return serveDecided(req, res, exchange, matched, undefined);
    first.then((caller) => serveDecided(req, res, exchange, matched, caller)).catch(failed(res, exchange));
  };

  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const target = req.url ?? '/';
    const { method, match: matched, badTarget, exchange } = match(req);
    accountOnClose(res, exchange, method, started, account);
    if (refuseFraming(req, target, res)) return;
    if (badTarget) return sendBadRequest(res);
    if (matched !== undefined) noteHandshakeOnRoute(req, exchange, logger);
    try {
      if (matched === undefined) serveLegacy(req, res, exchange);
      else serveMatched(req, res, exchange, matched);
    } catch (error: unknown) {
      failRequest(res, exchange, error, logger);
    }
  };

  return (req, res) => stages.pipelining.inTurn(req, res, serve);
}

function accountOnClose(
  res: ServerResponse,
  exchange: Exchange,
  method: string,
  started: number,
  account: Account,
): void {
  // 'close' comes once; `on` spares the wrapper `once` allocates per request. The one listener per
  // response: the call to legacy hears of the close through the exchange.
  res.on('close', () => {
    // The client left before any response started: nginx's 499, so it is not counted as a 200.
    const status = !res.headersSent && !res.writableFinished ? 499 : res.statusCode;
    account(exchange, method, status, started);
    exchange.onResponseClose?.();
  });
}

/** Last resort for a bug on our side: one request fails, the process and its other requests don't. */
function failRequest(res: ServerResponse, exchange: Exchange, error: unknown, logger: Logger): void {
  logger.error('request failed inside the proxy', {
    requestId: exchange.requestId,
    route: exchange.route,
    error: errorDetails(error),
  });
  sendInternalError(res, exchange.requestId);
}
