import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql, type Kysely } from 'kysely';
import { jsonResponse } from '../handlers/new-handler.ts';
import type { Principal } from '../identity/principal.ts';
import type { TokenVerifier } from '../identity/token-verifier.ts';
import { createSilentLogger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import {
  request,
  startProxy,
  startUpstream,
  type Proxy,
  type Upstream,
} from '../proxy/proxy-test-harness.ts';
import type { RouteRecord } from '../routing/route.ts';
import { createFakeFlagResolver } from '../testing/fake-flag-resolver.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { createLegacyCaller, type LegacyCaller } from './legacy-caller.ts';
import { createNoiseModel } from './noise/noise-model.ts';
import { createRedactor } from './redact.ts';
import { createShadowRunner } from './shadow-runner.ts';
import { createPostgresShadowStore } from './store/postgres-shadow-store.ts';
import { migrateShadowStoreToLatest } from './store/shadow-migrations.ts';
import { createShadowWriter } from './store/shadow-writer.ts';
import { openTestKysely } from './testing/open-test-kysely.ts';

/*
 * A stored sample keeps whom the new side answered, for QA: the verified caller's subject and
 * organisation, whichever side verified them (the shadow side when legacy served, the proxy when new
 * did), and never the bearer token the caller sent.
 */

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.the-coach-s-own-token.c2lnbmF0dXJl';
const ORGANISATION = '0c6f9f9e-3a0b-4e55-9d7e-2f1f5c1d0a01';
const coach: Principal = {
  subject: 'coach-1',
  organisationId: ORGANISATION,
  scopes: new Set(['athletes:read']),
  roles: new Set(),
};
const verifier: TokenVerifier = {
  verify: async (token) =>
    token === TOKEN ? { ok: true, principal: coach } : { ok: false, failure: { kind: 'malformed' } },
  discover: async () => undefined,
};

/** New answers a different score than legacy: every comparison is a mismatch with a sample. */
function route(id: string, policy: RouteRecord['policy']): RouteRecord {
  return {
    id,
    methods: ['GET'],
    path: `/api/${id}/{id}`,
    flag: `strangler.${id}`,
    handler: async () => jsonResponse(200, { score: 2 }),
    stickiness: { kind: 'client-address' },
    ...(policy === undefined ? {} : { policy }),
  };
}

const routes = [
  route('guarded', { scopes: ['athletes:read'] }),
  route('served-new', { scopes: ['athletes:read'] }),
  route('open', undefined),
];

let database: TestDatabase;
let db: Kysely<unknown>;
let legacy: Upstream;
let legacyCaller: LegacyCaller;
let proxy: Proxy;
let close: () => Promise<void>;
let settle: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase('shadow_sample_caller');
  db = openTestKysely(database.url, 3);
  await migrateShadowStoreToLatest(db);
  legacy = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ score: 1 }));
  });
  legacyCaller = createLegacyCaller({ legacyUrl: legacy.url });
  const metrics = createMetrics({ defaultMetrics: false });
  const logger = createSilentLogger();
  const noise = createNoiseModel();
  const writer = createShadowWriter({
    store: createPostgresShadowStore(db),
    metrics,
    logger,
    noise,
    flushIntervalMs: 60_000,
  });
  const runner = createShadowRunner({
    callLegacy: legacyCaller.call,
    callers: verifier,
    writer,
    noise,
    redactor: createRedactor(),
    metrics,
    logger,
    noiseSampleRate: 0,
    noiseWarmup: 0,
  });
  const flags = createFakeFlagResolver({
    'strangler.guarded': 'shadow',
    'strangler.served-new': 'new',
    'strangler.open': 'shadow',
  });
  proxy = await startProxy({ legacyUrl: legacy.url, routes, flags, extra: { observer: runner, verifier } });
  settle = async () => {
    await runner.idle();
    await writer.flush();
  };
  close = async () => {
    await proxy.close();
    await runner.close();
    await writer.close();
  };
});

afterAll(async () => {
  await close?.();
  await legacyCaller?.close();
  await legacy?.close();
  await db?.destroy();
  await database?.drop();
});

interface StoredSample {
  readonly caller_subject: string | null;
  readonly caller_organisation_id: string | null;
  /** The whole row as PostgreSQL prints it. */
  readonly row: string;
}

async function storedSamples(routeId: string, status: number): Promise<StoredSample[]> {
  const rows = await sql<StoredSample>`
    SELECT s.caller_subject, s.caller_organisation_id, s::text AS row
    FROM strangler.shadow_sample s JOIN strangler.shadow_group g ON g.id = s.group_id
    WHERE g.route_id = ${routeId} AND (s.candidate->>'status')::int = ${status}`.execute(db);
  return rows.rows;
}

async function call(routeId: string, authorization: string): Promise<void> {
  await request(proxy.url, { path: `/api/${routeId}/7`, headers: { authorization } });
  await settle();
}

describe('stored shadow samples keep who called, never the token', () => {
  it("keep the caller the shadow side verified when legacy served, and no trace of the caller's token", async () => {
    await call('guarded', `Bearer ${TOKEN}`);
    const [sample, ...more] = await storedSamples('guarded', 200);
    expect(more).toEqual([]);
    expect(sample).toMatchObject({ caller_subject: 'coach-1', caller_organisation_id: ORGANISATION });
    expect(sample?.row).not.toContain(TOKEN);
    expect(sample?.row).not.toContain('the-coach-s-own-token');
  });

  it('keep the caller the proxy verified when new served', async () => {
    await call('served-new', `Bearer ${TOKEN}`);
    const [sample] = await storedSamples('served-new', 200);
    expect(sample).toMatchObject({ caller_subject: 'coach-1', caller_organisation_id: ORGANISATION });
    expect(sample?.row).not.toContain('the-coach-s-own-token');
  });

  it('keep no caller for a refused caller, whose token is not stored either', async () => {
    await call('guarded', 'Bearer not-the-coach-s-token');
    const [sample] = await storedSamples('guarded', 401);
    expect(sample).toMatchObject({ caller_subject: null, caller_organisation_id: null });
    expect(sample?.row).not.toContain('not-the-coach-s-token');
  });

  it('keep no caller for a route without a policy, even with a token that would verify', async () => {
    await call('open', `Bearer ${TOKEN}`);
    const [sample] = await storedSamples('open', 200);
    expect(sample).toMatchObject({ caller_subject: null, caller_organisation_id: null });
    expect(sample?.row).not.toContain('the-coach-s-own-token');
  });
});
