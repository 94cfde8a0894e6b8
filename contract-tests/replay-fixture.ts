import type { CapturedResponse } from '../src/shadow/captured-exchange.ts';
import { compareExchanges, type Difference } from '../src/shadow/compare/compare-exchanges.ts';
import type { CompareRules } from '../src/shadow/compare/compare-rules.ts';
import type { HandlerResponse, NewHandler } from '../src/handlers/new-handler.ts';
import { POLICIES } from '../routes/shared/policies.ts';
import { refusalHeaders, type Authentication } from '../src/identity/authenticate.ts';
import type { Principal, RoutePolicy } from '../src/identity/principal.ts';
import type { RouteMatch, RouteRecord, RouteTable } from '../src/routing/route.ts';
import { CONTRACT_ORGANISATION } from './contract-data.ts';
import {
  requestBodyOf,
  responseBodyOf,
  type ContractFixture,
  type FixtureCaller,
  type FixtureRequest,
  type FixtureStep,
} from './contract-fixture.ts';

/*
 * Replays a recorded legacy interaction against the new handlers (in-process, through the real route
 * table) and compares each step with compareExchanges, the comparison the shadow mode uses, under the
 * route's own rules. A step's caller is identified first when the replay is given an issuer (see
 * ReplayOptions.identify), so a refusal is compared too. Two checks the shadow comparison does not make
 * are added here:
 *  - number literals: `5.0` and `5` are equal JSON values but not the same bytes to a .NET client;
 *  - Location, with the ids the server generated replaced (see normaliseLocation).
 */

export interface StepOutcome {
  readonly step: number;
  readonly routeId: string;
  readonly request: FixtureRequest;
  readonly legacy: CapturedResponse;
  readonly candidate: CapturedResponse;
  readonly differences: readonly Difference[];
}

const POLICY_LIST: readonly RoutePolicy[] = Object.values(POLICIES);

/**
 * Who the fixtures are replayed as when their callers are not identified: a caller of the organisation
 * that owns the contract data, granted every scope and role legacy's policies ask for, so each step
 * reaches its handler as it reached legacy. A fixture's caller names the same subject and organisation.
 */
export const CONTRACT_CALLER: Principal = {
  subject: 'contract-replay',
  organisationId: CONTRACT_ORGANISATION.id,
  scopes: new Set(POLICY_LIST.flatMap((policy) => policy.scopes)),
  roles: new Set(POLICY_LIST.flatMap((policy) => (policy.role === undefined ? [] : [policy.role]))),
};

/** The proxy's identity decision for a step's caller on a route with a policy (ContractIssuer.identify). */
export type IdentifyCaller = (caller: FixtureCaller, policy: RoutePolicy) => Promise<Authentication>;

export interface ReplayOptions {
  /** Lets a test swap in a deliberately broken handler. */
  readonly wrapHandler?: (route: RouteRecord, handler: NewHandler) => NewHandler;
  /** The caller a step is replayed as when it is not identified (default CONTRACT_CALLER). */
  readonly principal?: Principal;
  /**
   * Identifies each step's caller as the proxy's identify stage does: a refused caller gets the proxy's
   * refusal (compared with legacy's), an allowed one reaches the handler as the verified principal.
   * Without it, or for a step without a caller, the step reaches its handler as `principal`.
   */
  readonly identify?: IdentifyCaller;
}

export async function replayFixture(
  fixture: ContractFixture,
  table: RouteTable,
  options: ReplayOptions = {},
): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  for (const [index, step] of fixture.steps.entries()) {
    const url = new URL(step.request.path, 'http://contract.invalid');
    const match = table.match(step.request.method, url.pathname);
    if (match === undefined) {
      throw new Error(
        `${fixture.route}/${fixture.name} step ${index}: no migrated route for ${step.request.method} ${url.pathname}`,
      );
    }
    const requestId = `contract-${fixture.route}-${fixture.name}-${index}`;
    const candidate = await answer(match, step.request, requestId, options);
    const legacy = legacyResponse(step);
    outcomes.push({
      step: index,
      routeId: match.route.id,
      request: step.request,
      legacy,
      candidate,
      differences: compareStep(match.route, step, legacy, candidate),
    });
  }
  return outcomes;
}

function identifyCaller(route: RouteRecord, caller: FixtureCaller | undefined, options: ReplayOptions) {
  if (caller === undefined || options.identify === undefined || route.policy === undefined) {
    return Promise.resolve<Authentication>({
      outcome: 'allowed',
      principal: options.principal ?? CONTRACT_CALLER,
    });
  }
  return options.identify(caller, route.policy);
}

/** What the new side answers: the proxy's refusal, or the handler's response to the identified caller. */
async function answer(
  match: RouteMatch,
  request: FixtureRequest,
  requestId: string,
  options: ReplayOptions,
): Promise<CapturedResponse> {
  const identified = await identifyCaller(match.route, request.caller, options);
  if (identified.outcome === 'refused') {
    return { status: identified.status, headers: refusalHeaders(identified), body: Buffer.alloc(0) };
  }
  const url = new URL(request.path, 'http://contract.invalid');
  const handler = options.wrapHandler?.(match.route, match.route.handler) ?? match.route.handler;
  const response = await handler({
    method: request.method,
    path: url.pathname,
    params: match.params,
    query: url.searchParams,
    headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: requestBodyOf(request),
    requestId,
    signal: AbortSignal.timeout(10_000),
    dryRun: false,
    principal: identified.principal,
  });
  return captured(response);
}

/**
 * A step's answer against its recording, under the route's shadow rules plus Location (see
 * normaliseLocation), WWW-Authenticate, the step's own ignores and number literals.
 */
export function compareStep(
  route: RouteRecord,
  step: FixtureStep,
  legacy: CapturedResponse,
  candidate: CapturedResponse,
): Difference[] {
  const routeRules = (route.shadow?.compare ?? {}) as CompareRules;
  const rules: CompareRules = {
    ...routeRules,
    headers: [...(routeRules.headers ?? ['content-type']), 'location', 'www-authenticate'],
    ignore: [...(routeRules.ignore ?? []), ...(step.ignore ?? []).map((i) => i.path)],
  };
  const withLocation = (response: CapturedResponse): CapturedResponse => {
    const location = response.headers.location;
    return typeof location === 'string'
      ? {
          ...response,
          headers: { ...response.headers, location: normaliseLocation(location, step.request.path) },
        }
      : response;
  };
  const result = compareExchanges(withLocation(legacy), withLocation(candidate), rules, {
    maxDifferences: 50,
  });
  const ignored = new Set(rules.ignore);
  return [
    ...result.differences,
    ...numberLiteralDifferences(legacy.body, candidate.body).filter((d) => !ignored.has(d.path)),
  ];
}

/**
 * A GUID in Location that the request did not name was generated by the server (the new athlete's id),
 * so it cannot match between two servers; everything else in the header must.
 */
export function normaliseLocation(location: string, requestPath: string): string {
  const named = new Set((requestPath.match(GUIDS) ?? []).map((g) => g.toLowerCase()));
  return location.replace(GUIDS, (g) => (named.has(g.toLowerCase()) ? g : '{generated-id}'));
}

/** Every GUID in a text (global: use with match and replace, not exec). */
export const GUIDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

function legacyResponse(step: FixtureStep): CapturedResponse {
  return {
    status: step.response.status,
    headers: step.response.headers,
    body: responseBodyOf(step.response),
  };
}

function captured(response: HandlerResponse): CapturedResponse {
  const headers: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(response.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = response.body === undefined ? Buffer.alloc(0) : Buffer.from(response.body);
  return { status: response.status, headers, body };
}

class NumberText {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

function parseNumbersAsText(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'), (_k, v: unknown, ctx?: { source?: string }) =>
      typeof v === 'number' ? new NumberText(ctx?.source ?? String(v)) : v,
    );
  } catch {
    return undefined;
  }
}

/** Numbers at the same location whose literal text differs (`5.0` vs `5`, `1e1` vs `10`). */
export function numberLiteralDifferences(legacy: Buffer, candidate: Buffer): Difference[] {
  const found: Difference[] = [];
  const walk = (l: unknown, n: unknown, path: string): void => {
    if (l instanceof NumberText && n instanceof NumberText) {
      if (l.text !== n.text && Number(l.text) === Number(n.text)) {
        found.push({ path, kind: 'changed', legacy: `literal ${l.text}`, new: `literal ${n.text}` });
      }
      return;
    }
    if (Array.isArray(l) && Array.isArray(n)) {
      l.forEach((item, i) => walk(item, n[i], `${path}[${i}]`));
      return;
    }
    if (isObject(l) && isObject(n)) {
      for (const key of Object.keys(l)) if (key in n) walk(l[key], n[key], `${path}.${key}`);
    }
  };
  walk(parseNumbersAsText(legacy), parseNumbersAsText(candidate), '$');
  return found;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof NumberText)
  );
}

/** One line per difference, e.g. `athletes-get step 0 $.Score changed: 3.8 → 3.9`; '' when all agree. */
export function formatOutcomes(outcomes: readonly StepOutcome[]): string {
  return outcomes
    .flatMap((o) =>
      o.differences.map(
        (d) =>
          `${o.routeId} step ${o.step} (${o.request.method} ${o.request.path}) ${d.path} ${d.kind}: ` +
          `${JSON.stringify(d.legacy)} → ${JSON.stringify(d.new)}`,
      ),
    )
    .join('\n');
}
