import { randomUUID } from 'node:crypto';
import http from 'node:http';

import type { Kysely } from 'kysely';

import type { LegacyDatabase } from '../../../adapters/schema.ts';
import type { RoutePolicy } from '../../../src/identity/principal.ts';
import type { TokenVerifierSettings } from '../../../src/identity/token-verifier.ts';
import type { Logger } from '../../../src/observability/logger.ts';
import { KESTREL_MAX_REQUEST_BODY_BYTES } from '../../../src/proxy/legacy-body-limit.ts';
import { newTraceId, sendEmpty, sendProblem, sendValidationProblem } from './aspnet-json.ts';
import { routeGuid } from '../../../routes/shared/legacy-formats.ts';
import {
  createAthlete,
  deleteAthlete,
  getAthlete,
  listAthletes,
  updateAthlete,
} from './stand-in-athletes.ts';
import { createAdmit, STAND_IN_POLICIES as P, type Admit } from './stand-in-auth.ts';
import { toDateTime2Text, type Exchange, type StandInContext } from './stand-in-context.ts';
import { availabilityReport, listSquadAthletes, listSquads } from './stand-in-squads.ts';
import { createWellness, listWellness } from './stand-in-wellness.ts';

/*
 * A stand-in for the legacy athlete-monitoring API (ASP.NET Core Web API on Azure App Service), for the
 * demo and the contract recordings. It is not product code: it exists so everything can run without the
 * real legacy, and it follows the real one's conventions (aspnet-*.ts); the legacy-stand-in-parity suite
 * holds it to the real ASP.NET app. This file routes; each resource's endpoints are in stand-in-*.ts.
 */

export interface LegacyStandInDeps {
  readonly db: Kysely<LegacyDatabase>;
  readonly logger?: Logger;
  /** The clock for CreatedAt/UpdatedAt (tests pin it). */
  readonly now?: () => Date;
  /** Ids of created rows; random by default, a sequence when recording fixtures so re-recordings diff cleanly. */
  readonly newGuid?: () => string;
  /** ProblemDetails traceIds; random by default, like the W3C trace ids ASP.NET writes. */
  readonly newTraceId?: () => string;
  /** The issuer whose bearer tokens the API accepts; without it the stand-in is open and unscoped. */
  readonly auth?: TokenVerifierSettings;
}

export function createLegacyStandIn(deps: LegacyStandInDeps): http.Server {
  const { logger } = deps;
  const clock = deps.now ?? (() => new Date());
  const traceId = deps.newTraceId ?? newTraceId;
  const ctx: StandInContext = {
    db: deps.db,
    clock,
    timestamp: () => toDateTime2Text(clock()),
    newGuid: deps.newGuid ?? randomUUID,
    problem: (res, status, detail) => sendProblem(res, status, detail, traceId()),
    validationProblem: (res, errors) => sendValidationProblem(res, errors, traceId()),
  };
  const admit = createAdmit(deps.auth);

  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= KESTREL_MAX_REQUEST_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > KESTREL_MAX_REQUEST_BODY_BYTES) return sendEmpty(res, 413); // Kestrel rejects before MVC: no body
      const query = new URL(req.url ?? '/', 'http://stand-in').searchParams;
      const x: Exchange = { req, res, query, body: Buffer.concat(chunks), organisationId: undefined };
      route(ctx, admit, x).catch((error: unknown) => {
        logger?.error('legacy stand-in request failed', {
          method: req.method,
          url: req.url,
          error: error instanceof Error ? error.message : String(error),
        });
        if (!res.headersSent)
          sendEmpty(res, 500); // no exception handler: Kestrel's empty 500
        else res.destroy();
      });
    });
  });
}

/** An action and the policy its caller must satisfy. */
type Action = readonly [RoutePolicy, (x: Exchange) => Promise<void> | void];
type Actions = Readonly<Record<string, Action>>;

/**
 * The action for the request's method, run for its caller once admitted; or the empty 405 whose Allow
 * lists the actions' methods, which ASP.NET answers before authorization.
 */
async function byMethod(admit: Admit, x: Exchange, actions: Actions): Promise<void> {
  const method = x.req.method ?? 'GET';
  const action = Object.hasOwn(actions, method) ? actions[method] : undefined;
  if (action === undefined) return sendEmpty(x.res, 405, { Allow: Object.keys(actions).join(', ') });
  const [policy, run] = action;
  const admission = await admit(x.req, x.res, policy);
  if (admission.admitted) await run({ ...x, organisationId: admission.organisationId });
}

async function route(ctx: StandInContext, admit: Admit, x: Exchange): Promise<void> {
  const url = new URL(x.req.url ?? '/', 'http://stand-in');
  // ASP.NET routing: case-insensitive literals, an optional trailing slash, decoded segments.
  const segments = url.pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => safeDecode(s));
  const lower = segments.map((s) => s.toLowerCase());
  const [a, b, c, d] = lower;
  if (a !== 'api' || segments.length < 2) return sendEmpty(x.res, 404);

  if (b === 'squads' && segments.length === 2) {
    return byMethod(admit, x, { GET: [P.athletesRead, (x) => listSquads(ctx, x)] });
  }
  if (b === 'squads' && segments.length === 4 && d === 'athletes') {
    const squadId = routeGuid(segments[2] ?? '');
    if (squadId === undefined) return sendEmpty(x.res, 404);
    return byMethod(admit, x, { GET: [P.athletesRead, (x) => listSquadAthletes(ctx, x, squadId)] });
  }
  if (b === 'athletes' && segments.length === 2) {
    return byMethod(admit, x, {
      GET: [P.athletesRead, (x) => listAthletes(ctx, x)],
      POST: [P.athletesWrite, (x) => createAthlete(ctx, x)],
    });
  }
  if (b === 'athletes' && (segments.length === 3 || (segments.length === 4 && d === 'wellness'))) {
    const athleteId = routeGuid(segments[2] ?? '');
    if (athleteId === undefined) return sendEmpty(x.res, 404);
    if (segments.length === 4) {
      return byMethod(admit, x, {
        GET: [P.wellnessRead, (x) => listWellness(ctx, x, athleteId)],
        POST: [P.wellnessWrite, (x) => createWellness(ctx, x, athleteId)],
      });
    }
    return byMethod(admit, x, {
      DELETE: [P.athletesDelete, (x) => deleteAthlete(ctx, x, athleteId)],
      GET: [P.athletesRead, (x) => getAthlete(ctx, x, athleteId)],
      PUT: [P.athletesWrite, (x) => updateAthlete(ctx, x, athleteId)],
    });
  }
  if (b === 'reports' && c === 'availability' && segments.length === 3) {
    return byMethod(admit, x, { GET: [P.availabilityReport, (x) => availabilityReport(ctx, x)] });
  }
  return sendEmpty(x.res, 404);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
