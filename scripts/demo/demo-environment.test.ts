import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { createSilentLogger } from '../../src/observability/logger.ts';
import { createTestDatabase, type TestDatabase } from '../../src/testing/test-database.ts';
import type { Environment } from '../../src/composition/environment.ts';
import { demoTokenSigner } from './demo-callers.ts';
import { chooseDemoLegacy, startDemoEnvironment } from './demo-environment.ts';
import { DEMO_AUDIENCE } from './demo-issuer-settings.ts';
import { DEMO_ORGANISATIONS } from './demo-organisations.ts';
import { PLANTED_SHADOW_ROUTES_MODULE } from './planted-differences.ts';
import { dotnetForSuite } from '../legacy-aspnet/dotnet-suite.ts';

const hasDotnet = dotnetForSuite('the demo ASP.NET legacy case');
const itWithDotnet = hasDotnet ? it : it.skip;

describe('which legacy the demo starts', () => {
  it('is the ASP.NET app when dotnet is there, the stand-in when not, and what LEGACY_STAND_IN says', () => {
    expect(chooseDemoLegacy(undefined, () => true)).toBe('aspnet');
    expect(chooseDemoLegacy(undefined, () => false)).toBe('node');
    expect(chooseDemoLegacy('node', () => true)).toBe('node');
    expect(chooseDemoLegacy('aspnet', () => true)).toBe('aspnet');
  });

  it('refuses LEGACY_STAND_IN=aspnet without dotnet, naming what is missing', () => {
    expect(() => chooseDemoLegacy('aspnet', () => false)).toThrow(
      /LEGACY_STAND_IN=aspnet needs the \.NET 10 SDK \(`dotnet`\) on PATH/,
    );
  });

  it('fails the demo start at once when LEGACY_STAND_IN=aspnet and dotnet is missing', async () => {
    // No databases configured: had the choice come later, this would first start an embedded PostgreSQL.
    await expect(
      startDemoEnvironment(
        {
          databaseUrl: undefined,
          legacyDatabaseUrl: undefined,
          legacyUrl: undefined,
          dataDir: 'data-never-created',
          embeddedPostgresPort: undefined,
          legacyStandInPort: 0,
          legacyStandIn: 'aspnet',
          demoPlantedDifferences: true,
          auth: undefined,
        },
        createSilentLogger(),
        () => false,
      ),
    ).rejects.toThrow(/needs the \.NET 10 SDK \(`dotnet`\) on PATH; install it, or set LEGACY_STAND_IN=node/);
    expect(existsSync('data-never-created')).toBe(false);
  });
});

describe("the demo's planted differences", () => {
  it('never apply in front of a configured legacy: the routes stay as declared', async () => {
    const configured = await startDemoEnvironment(
      {
        databaseUrl: 'postgres://strangler@db.example.test/strangler',
        legacyDatabaseUrl: undefined,
        legacyUrl: new URL('https://legacy.example.test'),
        dataDir: 'data-never-created',
        embeddedPostgresPort: undefined,
        legacyStandInPort: 0,
        legacyStandIn: undefined,
        demoPlantedDifferences: true,
        auth: undefined,
      },
      createSilentLogger(),
      () => true,
    );
    expect(configured.routes).toBeUndefined();
    expect(configured.started).toEqual([]);
  });
});

describe('the demo environment with the ASP.NET legacy', () => {
  const databases: TestDatabase[] = [];
  let demo: Environment | undefined;
  let keysDir: string | undefined;

  afterAll(async () => {
    await demo?.stop();
    await Promise.all(databases.map((d) => d.drop()));
    if (keysDir !== undefined) await rm(keysDir, { recursive: true, force: true });
  });

  itWithDotnet(
    'builds and starts the real app on the stand-in database behind the demo issuer, and says so in the banner lines',
    async () => {
      databases.push(await createTestDatabase('demo_env_new'), await createTestDatabase('demo_env_legacy'));
      const [newDatabase, legacyDatabase] = databases as [TestDatabase, TestDatabase];
      keysDir = await mkdtemp(path.join(tmpdir(), 'strangler-demo-env-'));
      const keysFile = path.join(keysDir, 'signing-keys.json');
      demo = await startDemoEnvironment(
        {
          databaseUrl: newDatabase.url,
          legacyDatabaseUrl: legacyDatabase.url,
          legacyUrl: undefined,
          dataDir: 'data',
          embeddedPostgresPort: undefined,
          legacyStandInPort: 0,
          legacyStandIn: 'aspnet',
          demoPlantedDifferences: true,
          auth: undefined,
        },
        createSilentLogger(),
        () => true,
        () => ({ port: 0, issuer: 'unused', audience: DEMO_AUDIENCE, keysFile }),
      );
      expect(demo.started.at(-1)).toBe(
        `legacy: the real ASP.NET Core app (scripts/legacy-aspnet) at ${demo.legacyUrl.origin}`,
      );
      expect(demo.auth).toMatchObject({ audiences: [DEMO_AUDIENCE], organisationClaim: 'org_id' });
      // The demo's own legacy and data: both threads' routes carry the planted differences.
      expect(demo.routes?.shadowThreadModule).toBe(PLANTED_SHADOW_ROUTES_MODULE);
      const issuer = demo.auth!.issuer;
      expect(demo.started).toContainEqual(expect.stringContaining(`demo OpenID Connect issuer at ${issuer}`));

      const squads = new URL('/api/squads', demo.legacyUrl);
      const anonymous = await fetch(squads);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
      const sign = await demoTokenSigner({ issuer, audience: DEMO_AUDIENCE, keysFile });
      const token = await sign({ organisationId: DEMO_ORGANISATIONS[0]!.id, scopes: ['athletes:read'] });
      const response = await fetch(squads, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get('server')).toBe('Kestrel');
      expect(await response.json()).toEqual([]);
    },
    120_000,
  );
});
