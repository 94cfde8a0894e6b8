import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { FlagResolver } from '../../flags/flag-resolver.ts';
import type { HandlerResponse } from '../handlers/new-handler.ts';
import { createSilentLogger } from '../observability/logger.ts';
import type { Mode, RouteRecord } from '../routing/route.ts';
import type { CapturedRequest, CapturedResponse } from '../shadow/captured-exchange.ts';
import { createAdminServer, type AdminServer } from '../admin/admin-server.ts';
import type { AuthFailureLimiter } from '../admin/auth-failure-limiter.ts';
import { createMetrics } from '../observability/metrics.ts';
import { createRouteTable } from '../routing/route-table.ts';
import { compareExchanges } from '../shadow/compare/compare-exchanges.ts';
import { unacceptedDifferences } from '../shadow/accepted-differences.ts';
import { fingerprintOf } from '../shadow/compare/fingerprint.ts';
import { groupPaths } from '../shadow/shadow-runner.ts';
import { createNoiseModel, type NoiseModel } from '../shadow/noise/noise-model.ts';
import { createRedactor, type Redactor } from '../shadow/redact.ts';
import { createPostgresShadowStore } from '../shadow/store/postgres-shadow-store.ts';
import { migrateShadowStoreToLatest } from '../shadow/store/shadow-migrations.ts';
import { createShadowWriter, type ShadowWriter } from '../shadow/store/shadow-writer.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { createAcceptedRulesCache, type AcceptedRulesCache } from './accepted-rules-cache.ts';
import { createPostgresReportStore } from './postgres-report-store.ts';
import { migrateQaReportsToLatest } from './qa-migrations.ts';
import { createQaReportsRouter, type QaReportsRouterDeps } from './qa-reports-router.ts';
import type { ReportStore, SampleCaller } from './report-store.ts';

/**
 * A real QA reports server for tests: PostgreSQL (a throw-away database with the shadow store's and
 * QA's migrations), the router mounted in the real admin server on port 0, and `play()`, which runs exchanges through
 * the shadow pipeline's own pieces (src/shadow: comparison engine, legacy-vs-legacy noise model,
 * redaction, batched writer and PostgreSQL store), applying QA's accepted rules from the
 * AcceptedRulesCache the way src/shadow/shadow-runner.ts does.
 */
export interface PlayedExchange {
  readonly routeId: string;
  readonly request: {
    readonly method: string;
    readonly path: string;
    readonly query?: string;
    readonly body?: unknown;
  };
  /** Legacy's body for the request; called twice, the second time through `legacyAgain` (noise). */
  readonly legacy: unknown;
  readonly legacyAgain?: unknown;
  readonly candidate: unknown;
  readonly candidateStatus?: number;
  /** The verified caller the new side answered; none for an open route. */
  readonly caller?: SampleCaller;
}

export interface QaReportsFixture {
  readonly baseUrl: string;
  /** The admin server's port on 127.0.0.1, for reaching it under other names. */
  readonly port: number;
  readonly databaseUrl: string;
  readonly store: ReportStore;
  readonly tokens: { readonly adminQaToken: string; readonly adminOperatorToken: string };
  readonly routes: readonly RouteRecord[];
  play(exchanges: readonly PlayedExchange[], at?: Date): Promise<void>;
  close(): Promise<void>;
}

const notCalled = async (): Promise<HandlerResponse> => ({ status: 500 });

export function fixtureRoute(id: string, path: string): RouteRecord {
  return {
    id,
    methods: ['GET'],
    path,
    flag: `strangler.${id}`,
    handler: notCalled,
    stickiness: { kind: 'client-address' },
  };
}

/** Fixed modes: how the mode is decided is the flag resolver's business, not the reports'. */
function fixedModes(modes: Readonly<Record<string, Mode>>): FlagResolver {
  return {
    decide: (flag) => ({ mode: modes[flag] ?? 'legacy', serve: 'legacy' }),
    currentMode: (flag) => modes[flag] ?? 'legacy',
    killSwitchOn: () => false,
    isReady: () => true,
    stop: async () => {},
  };
}

/** A JSON response as the shadow side captures it. */
function json(status: number, value: unknown): CapturedResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: Buffer.from(JSON.stringify(value), 'utf8'),
  };
}

export interface QaReportsFixtureOptions {
  readonly routes?: readonly RouteRecord[];
  readonly modes?: Readonly<Record<string, Mode>>;
  readonly authFailureLimiter?: AuthFailureLimiter;
  /** Serve the admin port over HTTPS with this certificate. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
}

/** The shadow pipeline's pieces that `play()` runs exchanges through. */
interface ShadowPipeline {
  readonly rulesCache: AcceptedRulesCache;
  readonly writer: ShadowWriter;
  readonly noise: NoiseModel;
  readonly redactor: Redactor;
}

function capturedRequest(e: PlayedExchange): CapturedRequest {
  return {
    method: e.request.method,
    path: e.request.path,
    query: e.request.query ?? '',
    headers: { accept: 'application/json', authorization: 'Bearer secret-of-the-client' },
    body: e.request.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(e.request.body)),
    requestId: crypto.randomUUID(),
  };
}

/** Compares one exchange as the shadow runner does and hands the result to the writer. */
function recordPlayed(pipeline: ShadowPipeline, e: PlayedExchange, at: Date): void {
  const { noise, redactor } = pipeline;
  const accepted = pipeline.rulesCache.acceptedDifferences(e.routeId);
  const rules = {};
  const legacy = json(200, e.legacy);
  const candidate = json(e.candidateStatus ?? 200, e.candidate);
  noise.observeNoise(
    e.routeId,
    compareExchanges(legacy, json(200, e.legacyAgain ?? e.legacy), rules).differences,
  );
  const raw = compareExchanges(legacy, candidate, rules);
  noise.observeRaw(e.routeId, raw.differences);
  const { real: differing, noise: noisy } = noise.classify(e.routeId, raw.differences);
  const real = unacceptedDifferences(accepted, differing);
  const fingerprint = real.length === 0 ? undefined : fingerprintOf(real);
  const outcome = raw.equal
    ? 'match'
    : differing.length === 0
      ? 'noise'
      : fingerprint === undefined
        ? 'match'
        : 'mismatch';
  pipeline.writer.record({
    routeId: e.routeId,
    at,
    outcome,
    legacyLatencyMs: 12,
    newLatencyMs: 4,
    ...(outcome === 'mismatch' && fingerprint !== undefined
      ? {
          group: {
            fingerprint,
            paths: groupPaths(real),
            sample: {
              capturedAt: at,
              request: redactor.request(capturedRequest(e)),
              legacy: redactor.response(legacy),
              candidate: redactor.response(candidate),
              diffs: redactor.differences(real),
              noise: redactor.differences(noisy),
              ...(e.caller === undefined ? {} : { caller: e.caller }),
            },
          },
        }
      : {}),
  });
}

/** The real admin server, with the reports mounted the way main.ts mounts them (an extension). */
function startReportsAdmin(
  options: QaReportsFixtureOptions,
  reports: Omit<QaReportsRouterDeps, 'auth' | 'flags'> & { readonly flags: FlagResolver },
): AdminServer {
  return createAdminServer({
    config: reports.tokens,
    routes: createRouteTable(reports.routes),
    flags: reports.flags,
    metrics: createMetrics({ defaultMetrics: false }),
    logger: reports.logger,
    readinessChecks: [],
    authFailureLimiter: options.authFailureLimiter,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    extensions: [(app, auth) => app.use(createQaReportsRouter({ ...reports, auth }))],
  });
}

export async function startQaReportsFixture(
  options: QaReportsFixtureOptions = {},
): Promise<QaReportsFixture> {
  const testDb: TestDatabase = await createTestDatabase('qa_reports');
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: testDb.url, max: 4 }) }),
  });
  let adminServer: { close(): Promise<void> } | undefined;
  try {
    await migrateShadowStoreToLatest(db);
    await migrateQaReportsToLatest(db);
    const store = createPostgresReportStore(db);
    const logger = createSilentLogger();
    const rulesCache = createAcceptedRulesCache({ store, logger, refreshIntervalMs: 60_000 });
    const writer = createShadowWriter({
      store: createPostgresShadowStore(db),
      metrics: createMetrics({ defaultMetrics: false }),
      logger,
      flushIntervalMs: 60_000,
    });
    const tokens = {
      adminQaToken: `qa-${crypto.randomUUID()}`,
      adminOperatorToken: `operator-${crypto.randomUUID()}`,
    };
    const routes = options.routes ?? [
      fixtureRoute('athletes-get', '/api/athletes/{id}'),
      fixtureRoute('squads-list', '/api/squads'),
    ];
    const flags = fixedModes(
      options.modes ?? { 'strangler.athletes-get': 'shadow', 'strangler.squads-list': 'canary' },
    );
    const admin = startReportsAdmin(options, {
      store,
      routes,
      flags,
      tokens,
      logger,
      onRulesChanged: rulesCache.refresh,
    });
    adminServer = admin;
    const { port } = await admin.listen(0, '127.0.0.1');
    const pipeline: ShadowPipeline = {
      rulesCache,
      writer,
      noise: createNoiseModel(),
      redactor: createRedactor({ jsonPaths: ['$..email'] }),
    };

    return {
      // `localhost`: browsers keep Secure cookies on http only for loopback names.
      baseUrl: `${options.tls === undefined ? 'http' : 'https'}://localhost:${port}`,
      port,
      databaseUrl: testDb.url,
      store,
      tokens,
      routes,
      async play(exchanges, at = new Date()) {
        await rulesCache.refresh();
        for (const e of exchanges) recordPlayed(pipeline, e, at);
        await writer.flush();
      },
      async close() {
        rulesCache.stop();
        await writer.close();
        await admin.close();
        await db.destroy();
        await testDb.drop();
      },
    };
  } catch (error: unknown) {
    await adminServer?.close();
    await db.destroy();
    await testDb.drop();
    throw error;
  }
}
