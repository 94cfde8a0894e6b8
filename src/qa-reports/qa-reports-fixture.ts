import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { FlagResolver } from '../../flags/flag-resolver.ts';
import type { HandlerResponse } from '../handlers/new-handler.ts';
import { createSilentLogger } from '../observability/logger.ts';
import type { Mode, RouteRecord } from '../routing/route.ts';
import type { CapturedRequest, CapturedResponse } from '../shadow/captured-exchange.ts';
import { compareExchanges } from '../shadow/compare/compare-exchanges.ts';
import { fingerprintOf } from '../shadow/compare/fingerprint.ts';
import { createNoiseModel } from '../shadow/noise/noise-model.ts';
import { createRedactor } from '../shadow/redact.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { recordComparison } from './comparison-recorder.ts';
import { createPostgresReportStore } from './postgres-report-store.ts';
import { migrateQaReportsToLatest } from './qa-migrations.ts';
import { createQaReportsRouter } from './qa-reports-router.ts';
import type { ReportStore } from './report-store.ts';

/**
 * A real QA reports server for tests: PostgreSQL (a throw-away database), the router on an HTTP
 * server on port 0, and `play()`, which runs requests through the shadow pipeline's own pieces
 * (src/shadow: comparison engine, legacy-vs-legacy noise model, redaction) and records the results,
 * applying the accepted rules exactly as the shadow runner does (`loadAcceptedRules`).
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
}

export interface QaReportsFixture {
  readonly baseUrl: string;
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

function json(status: number, value: unknown): CapturedResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: Buffer.from(JSON.stringify(value), 'utf8'),
  };
}

export async function startQaReportsFixture(
  options: { readonly routes?: readonly RouteRecord[]; readonly modes?: Readonly<Record<string, Mode>> } = {},
): Promise<QaReportsFixture> {
  const testDb: TestDatabase = await createTestDatabase('qa_reports');
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: testDb.url, max: 4 }) }),
  });
  let server: http.Server | undefined;
  try {
    await migrateQaReportsToLatest(db);
    const store = createPostgresReportStore(db);
    const tokens = {
      adminQaToken: `qa-${crypto.randomUUID()}`,
      adminOperatorToken: `operator-${crypto.randomUUID()}`,
    };
    const routes = options.routes ?? [
      fixtureRoute('athletes-get', '/api/athletes/{id}'),
      fixtureRoute('squads-list', '/api/squads'),
    ];
    const app = express();
    app.use(
      createQaReportsRouter({
        store,
        routes,
        flags: fixedModes(
          options.modes ?? { 'strangler.athletes-get': 'shadow', 'strangler.squads-list': 'canary' },
        ),
        tokens,
        logger: createSilentLogger(),
      }),
    );
    const started = http.createServer(app);
    server = started;
    await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
    const { port } = started.address() as AddressInfo;
    const noise = createNoiseModel();
    const redactor = createRedactor({ jsonPaths: ['$..email'] });

    return {
      // `localhost`, not 127.0.0.1: browsers keep Secure cookies on http only for localhost names.
      baseUrl: `http://localhost:${port}`,
      databaseUrl: testDb.url,
      store,
      tokens,
      routes,
      async play(exchanges, at = new Date()) {
        for (const e of exchanges) {
          const accepted = await store.loadAcceptedRules(e.routeId);
          const rules = { ignore: accepted.ignoredPaths.filter((p) => p.startsWith('$')) };
          const legacy = json(200, e.legacy);
          const candidate = json(e.candidateStatus ?? 200, e.candidate);
          const again = compareExchanges(legacy, json(200, e.legacyAgain ?? e.legacy), rules);
          noise.observeNoise(e.routeId, again.differences);
          const raw = compareExchanges(legacy, candidate, rules);
          noise.observeRaw(e.routeId, raw.differences);
          const { real, noise: noisy } = noise.classify(e.routeId, raw.differences);
          const request: CapturedRequest = {
            method: e.request.method,
            path: e.request.path,
            query: e.request.query ?? '',
            headers: { accept: 'application/json', authorization: 'Bearer secret-of-the-client' },
            body:
              e.request.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(e.request.body)),
            requestId: crypto.randomUUID(),
          };
          const outcome = raw.equal ? 'match' : real.length === 0 ? 'noise' : 'mismatch';
          await recordComparison(db, {
            routeId: e.routeId,
            at,
            outcome,
            legacyMs: 12,
            newMs: 4,
            ...(outcome === 'mismatch'
              ? {
                  mismatch: {
                    fingerprint: fingerprintOf(real),
                    diffs: redactor.differences(real),
                    noise: redactor.differences(noisy),
                    request: redactor.request(request),
                    legacy: redactor.response(legacy),
                    new: redactor.response(candidate),
                  },
                }
              : {}),
          });
        }
      },
      async close() {
        await new Promise<void>((resolve) => {
          started.close(() => resolve());
          started.closeAllConnections();
        });
        await db.destroy();
        await testDb.drop();
      },
    };
  } catch (error: unknown) {
    server?.close();
    await db.destroy();
    await testDb.drop();
    throw error;
  }
}
