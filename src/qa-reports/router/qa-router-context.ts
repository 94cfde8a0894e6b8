import type { FlagResolver } from '../../../flags/flag-resolver.ts';
import type { AdminAuth } from '../../admin/auth.ts';
import type { Logger } from '../../observability/logger.ts';
import type { RouteRecord } from '../../routing/route.ts';
import { NotFoundError } from '../not-found-error.ts';
import { DEFAULT_READINESS_THRESHOLDS, type ReadinessThresholds } from '../readiness-verdict.ts';
import type { ReportBuilderDeps } from '../report-builder.ts';
import type { ReportStore } from '../report-store.ts';
import { DEFAULT_SESSION_TTL_MS, deriveSessionKey, type RoleTokens } from '../qa-session.ts';

export interface QaReportsRouterDeps {
  readonly store: ReportStore;
  readonly routes: readonly RouteRecord[];
  readonly flags: Pick<FlagResolver, 'currentMode'>;
  /** Signs the session cookies. */
  readonly tokens: RoleTokens;
  /**
   * The admin server's own auth (an AdminExtension's second argument): the sign-in form and bearer
   * tokens here must count against the same wrong-token limiter as the rest of the admin port.
   */
  readonly auth: AdminAuth;
  readonly logger: Logger;
  readonly now?: () => Date;
  /** Default true. Only for plain-http tests against a non-localhost name; browsers drop Secure cookies there. */
  readonly secureCookies?: boolean;
  readonly sessionTtlMs?: number;
  /** Called after a rule is created or revoked, e.g. AcceptedRulesCache.refresh, so it applies at once. */
  readonly onRulesChanged?: () => Promise<void> | void;
  /** What the readiness verdict requires (READINESS_* in the configuration); defaults otherwise. */
  readonly readiness?: ReadinessThresholds;
}

/** What every part of the router shares: the deps with their defaults filled in, and the session key. */
export interface QaRouterContext {
  readonly store: ReportStore;
  readonly routes: readonly RouteRecord[];
  readonly auth: AdminAuth;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly secure: boolean;
  readonly ttlMs: number;
  /** Signs session cookies and CSRF tokens (qa-session.ts). */
  readonly key: Buffer;
  readonly reportDeps: ReportBuilderDeps;
  readonly onRulesChanged: () => Promise<void> | void;
  /** The route by id, or a 404 for an id the route table does not know. */
  routeOr404(routeId: string): RouteRecord;
}

const SERIES_BUCKETS = 24;

export function createQaRouterContext(deps: QaReportsRouterDeps): QaRouterContext {
  const routesById = new Map(deps.routes.map((r) => [r.id, r]));
  return {
    store: deps.store,
    routes: deps.routes,
    auth: deps.auth,
    logger: deps.logger,
    now: deps.now ?? (() => new Date()),
    secure: deps.secureCookies ?? true,
    ttlMs: deps.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
    key: deriveSessionKey(deps.tokens),
    reportDeps: {
      store: deps.store,
      flags: deps.flags,
      seriesBuckets: SERIES_BUCKETS,
      readiness: deps.readiness ?? DEFAULT_READINESS_THRESHOLDS,
    },
    onRulesChanged: async () => {
      await deps.onRulesChanged?.();
    },
    routeOr404(routeId) {
      const route = routesById.get(routeId);
      if (route === undefined) throw new NotFoundError(`route ${routeId}`);
      return route;
    },
  };
}
