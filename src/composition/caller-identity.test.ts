import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { signAccessToken } from '../../scripts/demo/issuer/demo-tokens.ts';
import { loadIssuerKeys } from '../../scripts/demo/issuer/issuer-keys.ts';
import { startOidcIssuer, type RunningIssuer } from '../../scripts/demo/issuer/oidc-issuer.ts';
import type { AuthSettings } from '../config.ts';
import { ConfigError } from '../config.ts';
import { createSilentLogger } from '../observability/logger.ts';
import type { Logger } from '../observability/logger.ts';
import type { RouteRecord, RouteTable } from '../routing/route.ts';
import { startCallerIdentity } from './caller-identity.ts';

const table = (routes: Partial<RouteRecord>[]): RouteTable => ({
  routes: routes as RouteRecord[],
  match: () => undefined,
});

function recordingLogger(): { logger: Logger; warnings: { message: string; meta: unknown }[] } {
  const warnings: { message: string; meta: unknown }[] = [];
  const logger = createSilentLogger();
  logger.warn = ((message: string, meta: unknown) => {
    warnings.push({ message, meta });
    return logger;
  }) as Logger['warn'];
  return { logger, warnings };
}

describe("the callers' identity at startup", () => {
  let dataDir: string;
  let issuer: RunningIssuer;
  let settings: AuthSettings;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'strangler-caller-identity-'));
    issuer = await startOidcIssuer({ keys: await loadIssuerKeys(path.join(dataDir, 'keys.json')), port: 0 });
    settings = {
      issuer: issuer.issuer,
      audiences: ['api://tests'],
      metadataUrl: undefined,
      organisationClaim: 'org_id',
      roleClaim: 'roles',
      clockSkewSeconds: 300,
    };
  });

  afterAll(async () => {
    await issuer.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('without an issuer, names the routes with a policy that legacy keeps serving', async () => {
    const { logger, warnings } = recordingLogger();
    const routes = table([{ id: 'athletes', policy: { scopes: ['athletes:read'] } }, { id: 'open' }]);
    expect(await startCallerIdentity(undefined, routes, logger)).toBeUndefined();
    expect(warnings).toEqual([
      { message: expect.stringMatching(/no AUTH_ISSUER/), meta: { routes: ['athletes'] } },
    ]);
  });

  it("verifies against the issuer's discovery document, read once at startup and kept", async () => {
    const before = issuer.discoveryRequests();
    const verifier = await startCallerIdentity(settings, table([]), createSilentLogger());
    expect(verifier).toBeDefined();
    const refused = await verifier?.verify('not-a-jwt');
    expect(refused).toEqual({ ok: false, failure: { kind: 'malformed' } });
    const token = await signAccessToken(
      { issuer: issuer.issuer, audience: 'api://tests' },
      issuer.keys.current(),
      {
        organisationId: '0c6f9f9e-3a0b-4e55-9d7e-2f1f5c1d0a01',
        scopes: ['athletes:read'],
      },
    );
    expect((await verifier?.verify(token))?.ok).toBe(true);
    expect(issuer.discoveryRequests() - before).toBe(1);
  });

  it('refuses to start when the discovery document names another issuer', async () => {
    const wrong = {
      ...settings,
      issuer: 'https://login.example.com/other',
      metadataUrl: `${issuer.issuer}/.well-known/openid-configuration`,
    };
    await expect(startCallerIdentity(wrong, table([]), createSilentLogger())).rejects.toThrow(ConfigError);
  });

  it('starts, logging it, when the issuer cannot be reached yet', async () => {
    const { logger, warnings } = recordingLogger();
    const unreachable = { ...settings, issuer: 'http://127.0.0.1:1' };
    expect(await startCallerIdentity(unreachable, table([]), logger)).toBeDefined();
    expect(warnings.map((warning) => warning.message)).toEqual([expect.stringMatching(/cannot be reached/)]);
  });
});
