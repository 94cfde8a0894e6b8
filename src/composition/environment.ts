import type { AuthSettings, Config } from '../config.ts';
import type { Logger } from '../observability/logger.ts';
import type { RouteRecord } from '../routing/route.ts';

/**
 * Where strangler's dependencies are: the databases and the legacy API. In production the configuration
 * names them all (configuredEnvironment); the demo (scripts/demo/start.ts, `npm start`) starts what is
 * not configured and hands its environment in here.
 */
export interface Environment {
  readonly databaseUrl: string;
  /** Undefined: no dual-write sync (a real legacy API without LEGACY_DATABASE_URL). */
  readonly legacyDatabaseUrl: string | undefined;
  readonly legacyUrl: URL;
  /**
   * The issuer of the callers' tokens (AUTH_ISSUER …); the demo runs its own when none is configured.
   * Undefined: routes with a policy are served by legacy only.
   */
  readonly auth: AuthSettings | undefined;
  /**
   * The demo's changes to the declared routes (its planted differences, for the QA reports to show):
   * `decorate` for the proxy's thread, and the shadow thread's routes module doing the same. Undefined:
   * the routes as declared.
   */
  readonly routes?: RouteDecoration;
  /** What was started for this run, for the startup banner. */
  readonly started: readonly string[];
  stop(): Promise<void>;
}

export interface RouteDecoration {
  decorate(records: readonly RouteRecord[]): RouteRecord[];
  /** A module exporting `createShadowThreadRoutes(AppShadowRoutesOptions)` (src/app-routes.ts). */
  readonly shadowThreadModule: string;
}

export type EnvironmentStarter = (config: Config, logger: Logger) => Promise<Environment>;

/** Production: DATABASE_URL and LEGACY_URL are required; nothing is started. */
export async function configuredEnvironment(config: Config): Promise<Environment> {
  const { databaseUrl, legacyUrl } = config;
  if (databaseUrl === undefined || legacyUrl === undefined) {
    throw new Error(
      'DATABASE_URL and LEGACY_URL must be set (`npm start` runs the demo with what is missing)',
    );
  }
  return {
    databaseUrl,
    legacyDatabaseUrl: config.legacyDatabaseUrl,
    legacyUrl,
    auth: config.auth,
    started: [],
    stop: async () => {},
  };
}
