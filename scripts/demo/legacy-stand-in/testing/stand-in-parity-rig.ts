/*
 * The stand-in parity rig: the real ASP.NET legacy and the TypeScript stand-in, each on a database of its
 * own seeded alike, behind strangler in `shadow` mode with the ASP.NET app as legacy and every route's
 * "new handler" a call to the stand-in. What strangler's comparison finds is what differs.
 *
 * Strangler verifies its callers against an issuer of the rig's own, as a deployment does: without one it
 * keeps every route with a policy on legacy and compares nothing. The legacies authenticate against the
 * same issuer, or run open and unscoped.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { sql, type Kysely } from 'kysely';

import { openLegacyDatabase } from '../../../../adapters/database.ts';
import { migrateLegacyToLatest } from '../../../../adapters/migrations.ts';
import type { LegacyDatabase, NewDatabase } from '../../../../adapters/schema.ts';
import { CONTRACT_ORGANISATION } from '../../../../contract-tests/contract-data.ts';
import { requestBodyOf, type FixtureRequest } from '../../../../contract-tests/contract-fixture.ts';
import { createRoutes } from '../../../../routes/index.ts';
import type { HandlerResponse, NewHandler } from '../../../../src/handlers/new-handler.ts';
import { startTestIssuer } from '../../../../src/identity/testing/test-issuer.ts';
import { TEST_AUDIENCE } from '../../../../src/identity/testing/token-cases.ts';
import { createTokenVerifier, type TokenVerifierSettings } from '../../../../src/identity/token-verifier.ts';
import { createSilentLogger } from '../../../../src/observability/logger.ts';
import { createMetrics } from '../../../../src/observability/metrics.ts';
import {
  request,
  startProxy,
  type Proxy,
  type RawResponse,
} from '../../../../src/proxy/proxy-test-harness.ts';
import { migrateQaReportsToLatest } from '../../../../src/qa-reports/qa-migrations.ts';
import { createRouteTable } from '../../../../src/routing/route-table.ts';
import { startShadow, type Shadow } from '../../../../src/shadow/start-shadow.ts';
import { migrateShadowStoreToLatest } from '../../../../src/shadow/store/shadow-migrations.ts';
import { openTestKysely } from '../../../../src/shadow/testing/open-test-kysely.ts';
import { createFakeFlagResolver } from '../../../../src/testing/fake-flag-resolver.ts';
import { createTestDatabase, type TestDatabase } from '../../../../src/testing/test-database.ts';
import { startLegacyAspnet, type LegacyAspnet } from '../../../legacy-aspnet/legacy-aspnet.ts';
import type { TokenRequest } from '../../issuer/demo-tokens.ts';
import type { RunningIssuer } from '../../issuer/oidc-issuer.ts';
import { createLegacyStandIn } from '../legacy-stand-in.ts';
import { ALL_SCOPES } from './auth-traffic.ts';

export interface ParityRigOptions {
  /** Prefix of the rig's throw-away databases. */
  readonly prefix: string;
  /** One clock for both, so what a write stamps (UpdatedAt) is the same instant on each side. */
  readonly clock: Date;
  /** Whether both legacies authenticate against the rig's issuer; when not, both run open and unscoped. */
  readonly legaciesAuthenticate: boolean;
  /** Seeds one side's database before each batch. */
  readonly seed: (db: Kysely<LegacyDatabase>) => Promise<void>;
}

export interface ParityResult {
  readonly sent: number;
  readonly totals: readonly {
    route_id: string;
    match: number;
    mismatch: number;
    error: number;
    skipped: number;
  }[];
  /** One line per sample that differed: route, request, differences. */
  readonly differences: readonly string[];
}

export interface ParityRig {
  readonly aspnetUrl: URL;
  readonly standInUrl: URL;
  /** The callers' issuer (audience TEST_AUDIENCE). */
  readonly issuer: RunningIssuer;
  /**
   * `Bearer <token>` from the issuer: a caller of the contract organisation with every scope and the
   * coach role, but for what `request` says otherwise.
   */
  bearer(request?: Partial<TokenRequest>): Promise<string>;
  /** Re-seeds both sides before each batch and sends the batch through the proxy. */
  send(batches: readonly (readonly FixtureRequest[])[]): Promise<void>;
  /** Seeds both sides. */
  seed(): Promise<void>;
  /** Sends one request to both sides directly, past the proxy. */
  sendToBoth(request: FixtureRequest): Promise<{ aspnet: RawResponse; standIn: RawResponse }>;
  /** Waits for the comparisons and reads what they found. */
  result(): Promise<ParityResult>;
  stop(): Promise<void>;
}

export async function startParityRig(options: ParityRigOptions): Promise<ParityRig> {
  const databases = await Promise.all(
    ['aspnet', 'stand_in', 'proxy'].map((p) => createTestDatabase(`${options.prefix}_${p}`)),
  );
  const [aspnetDatabase, standInDatabase, proxyDatabase] = databases as [
    TestDatabase,
    TestDatabase,
    TestDatabase,
  ];
  const aspnetDb = openLegacyDatabase(aspnetDatabase.url, { poolMax: 2 });
  const standInDb = openLegacyDatabase(standInDatabase.url, { poolMax: 2 });
  const proxyDb = openTestKysely(proxyDatabase.url, 2);
  await Promise.all([
    migrateLegacyToLatest(aspnetDb),
    migrateLegacyToLatest(standInDb),
    migrateShadowStoreToLatest(proxyDb).then(() => migrateQaReportsToLatest(proxyDb)),
  ]);
  const callers = await startCallersIssuer();
  const auth: TokenVerifierSettings = { issuer: callers.issuer.issuer, audiences: [TEST_AUDIENCE] };
  const aspnet = await startLegacyAspnet({
    legacyDatabaseUrl: aspnetDatabase.url,
    port: 0,
    fixedUtcNow: options.clock.toISOString(),
    ...(options.legaciesAuthenticate ? { auth: { issuer: auth.issuer, audience: TEST_AUDIENCE } } : {}),
  });
  const standIn = createLegacyStandIn({
    db: standInDb,
    now: () => options.clock,
    ...(options.legaciesAuthenticate ? { auth } : {}),
  });
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  const standInUrl = new URL(`http://127.0.0.1:${(standIn.address() as AddressInfo).port}`);
  const { shadow, proxy } = await startShadowProxy(aspnet, standInUrl, proxyDb, auth);
  const seedBoth = async (): Promise<void> => {
    await Promise.all([options.seed(aspnetDb), options.seed(standInDb)]);
  };
  let sent = 0;

  return {
    aspnetUrl: aspnet.url,
    standInUrl,
    issuer: callers.issuer,
    bearer: callers.bearer,
    async send(batches) {
      for (const batch of batches) {
        // Each batch starts from the same data on both sides, as the recordings do.
        await shadow.observer.idle();
        await seedBoth();
        for (const r of batch) {
          await sendRequest(proxy.url, r);
          sent += 1;
        }
      }
    },
    seed: seedBoth,
    async sendToBoth(r) {
      return { aspnet: await sendRequest(aspnet.url, r), standIn: await sendRequest(standInUrl, r) };
    },
    async result() {
      await shadow.close();
      return { sent, ...(await readComparisons(proxyDb)) };
    },
    async stop() {
      await proxy.close();
      await shadow.close();
      await aspnet.stop();
      standIn.closeAllConnections();
      await new Promise((resolve) => standIn.close(resolve));
      await callers.stop();
      await Promise.all([aspnetDb.destroy(), standInDb.destroy(), proxyDb.destroy()]);
      await Promise.all(databases.map((d) => d.drop()));
    },
  };
}

/** The rig's issuer, for audience TEST_AUDIENCE, and its contract-organisation caller. */
async function startCallersIssuer(): Promise<{
  issuer: RunningIssuer;
  bearer: ParityRig['bearer'];
  stop(): Promise<void>;
}> {
  const test = await startTestIssuer();
  const caller: TokenRequest = {
    organisationId: CONTRACT_ORGANISATION.id,
    scopes: ALL_SCOPES,
    roles: ['coach'],
  };
  return {
    issuer: test.issuer,
    bearer: (request = {}) => test.sign({ ...caller, ...request }),
    stop: test.stop,
  };
}

function sendRequest(base: URL, r: FixtureRequest): Promise<RawResponse> {
  const body = requestBodyOf(r);
  return request(base, {
    method: r.method,
    path: r.path,
    headers: r.headers,
    ...(body.length > 0 || r.method !== 'GET' ? { body } : {}),
  });
}

async function startShadowProxy(
  aspnet: LegacyAspnet,
  standInUrl: URL,
  proxyDb: Kysely<unknown>,
  auth: TokenVerifierSettings,
): Promise<{ shadow: Shadow; proxy: Proxy }> {
  const routes = createRoutes({ db: {} as Kysely<NewDatabase> }).map((route) => ({
    ...route,
    handler: callStandIn(standInUrl),
  }));
  const metrics = createMetrics({ defaultMetrics: false });
  const logger = createSilentLogger();
  const shadow = await startShadow({
    db: proxyDb,
    legacyUrl: aspnet.url,
    hostHeader: 'rewrite',
    auth,
    metrics,
    logger,
    noiseSampleRate: 0,
    queueLimit: 10_000,
  });
  const proxy = await startProxy({
    legacyUrl: aspnet.url,
    flags: createFakeFlagResolver(Object.fromEntries(routes.map((r) => [r.flag, 'shadow']))),
    extra: {
      routes: createRouteTable(routes),
      observer: shadow.observer,
      verifier: createTokenVerifier(auth),
      metrics,
      logger,
    },
  });
  return { shadow, proxy };
}

async function readComparisons(proxyDb: Kysely<unknown>): Promise<Omit<ParityResult, 'sent'>> {
  const totals = await sql<ParityResult['totals'][number]>`
    SELECT route_id, sum(match)::int AS match, sum(mismatch)::int AS mismatch, sum(error)::int AS error,
           sum(skipped)::int AS skipped
    FROM strangler.shadow_minute GROUP BY route_id ORDER BY route_id`.execute(proxyDb);
  const samples = await sql<{ route_id: string; diffs: unknown; request: unknown }>`
    SELECT g.route_id, s.diffs, s.request FROM strangler.shadow_sample s
    JOIN strangler.shadow_group g ON g.id = s.group_id`.execute(proxyDb);
  return {
    totals: totals.rows,
    differences: samples.rows.map((row) =>
      JSON.stringify({ route: row.route_id, request: row.request, diffs: row.diffs }),
    ),
  };
}

// What a client sends that the stand-in answers by: the body's type, the Host its Location is built
// from, and the bearer token.
const FORWARDED = ['authorization', 'content-type', 'host', 'x-tenant-id'];

/** The stand-in as a route's handler: the request as the proxy received it, the answer as it came. */
function callStandIn(base: URL): NewHandler {
  return (req) =>
    new Promise<HandlerResponse>((resolve, reject) => {
      const query = req.query.toString();
      const headers: http.OutgoingHttpHeaders = {};
      for (const name of FORWARDED) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const outgoing = http.request(
        {
          host: base.hostname,
          port: base.port,
          method: req.method,
          path: query === '' ? req.path : `${req.path}?${query}`,
          headers: { ...headers, 'content-length': String(req.body.length) },
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const out: Record<string, string> = {};
            for (const [name, value] of Object.entries(res.headers)) {
              if (typeof value === 'string' && !['connection', 'date', 'keep-alive'].includes(name))
                out[name] = value;
            }
            resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks) });
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(req.body);
    });
}
