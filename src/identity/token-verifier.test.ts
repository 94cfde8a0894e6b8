import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { generateKeyPair } from 'jose';
import { signAccessToken } from '../../scripts/demo/issuer/demo-tokens.ts';
import { loadIssuerKeys } from '../../scripts/demo/issuer/issuer-keys.ts';
import { startOidcIssuer, type RunningIssuer } from '../../scripts/demo/issuer/oidc-issuer.ts';
import { createTokenVerifier } from './token-verifier.ts';
import { TEST_AUDIENCE, TEST_ORGANISATION } from './testing/token-cases.ts';

describe('token verifier against a running OpenID Connect issuer', () => {
  let dataDir: string;
  let issuer: RunningIssuer;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'strangler-verifier-'));
    issuer = await startOidcIssuer({ keys: await loadIssuerKeys(path.join(dataDir, 'keys.json')), port: 0 });
  });
  afterAll(async () => {
    await issuer.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const sign = (claims: { scopes?: string[]; roles?: string[]; organisationId?: string } = {}) =>
    signAccessToken({ issuer: issuer.issuer, audience: TEST_AUDIENCE }, issuer.keys.current(), {
      organisationId: TEST_ORGANISATION,
      scopes: ['athletes:read'],
      ...claims,
    });
  const verifier = () => createTokenVerifier({ issuer: issuer.issuer, audiences: [TEST_AUDIENCE] });

  it('gives the principal of a valid token: subject, organisation, scopes and roles', async () => {
    const result = await verifier().verify(
      await sign({ scopes: ['athletes:read', 'wellness:write'], roles: ['coach'] }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.principal.organisationId).toBe(TEST_ORGANISATION);
    expect(result.principal.subject).toMatch(/^demo-user-/);
    expect([...result.principal.scopes]).toEqual(['athletes:read', 'wellness:write']);
    expect([...result.principal.roles]).toEqual(['coach']);
  });

  it('reads Entra ID style scopes from scp', async () => {
    const { SignJWT } = await import('jose');
    const key = issuer.keys.current();
    const token = await new SignJWT({ org_id: TEST_ORGANISATION, scp: 'wellness:read athletes:read' })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(issuer.issuer)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime('10m')
      .sign(key.privateKey);
    const result = await verifier().verify(token);
    expect(result.ok && [...result.principal.scopes].sort()).toEqual(['athletes:read', 'wellness:read']);
  });

  it('verifies a token once, then serves it from the cache until it expires', async () => {
    let now = Date.now() / 1000;
    const cached = createTokenVerifier({ issuer: issuer.issuer, audiences: [TEST_AUDIENCE], now: () => now });
    const token = await signAccessToken(
      { issuer: issuer.issuer, audience: TEST_AUDIENCE },
      issuer.keys.current(),
      { organisationId: TEST_ORGANISATION, scopes: ['athletes:read'], expiresInSeconds: 60 },
    );
    const first = await cached.verify(token);
    const second = await cached.verify(token);
    expect(second).toEqual(first);
    if (first.ok && second.ok) expect(second.principal).toBe(first.principal);
    now += 60 + 301;
    const later = await cached.verify(token);
    expect(later.ok).toBe(false);
    expect(!later.ok && later.failure.kind).toBe('expired');
  });

  it('accepts tokens signed with a rotated key without a restart, and the old key still works', async () => {
    const shared = createTokenVerifier({
      issuer: issuer.issuer,
      audiences: [TEST_AUDIENCE],
      keyRefreshCooldownMs: 200,
    });
    const beforeRotation = await sign();
    expect((await shared.verify(await sign({ scopes: ['wellness:read'] }))).ok).toBe(true);
    await issuer.keys.rotate();
    // An unknown kid fetches the key set again once the cooldown since the last fetch has passed.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await shared.verify(await sign())).ok).toBe(true);
    expect((await shared.verify(beforeRotation)).ok).toBe(true);
  });

  it('does not fetch the key set again for every unknown kid (cooldown)', async () => {
    const shared = createTokenVerifier({
      issuer: issuer.issuer,
      audiences: [TEST_AUDIENCE],
      keyRefreshCooldownMs: 60_000,
    });
    await shared.verify(await sign());
    const before = issuer.jwksRequests();
    const stranger = await generateKeyPair('RS256');
    for (let i = 0; i < 20; i++) {
      const forged = await signAccessToken(
        { issuer: issuer.issuer, audience: TEST_AUDIENCE },
        { ...issuer.keys.current(), kid: randomUUID(), privateKey: stranger.privateKey },
        { organisationId: TEST_ORGANISATION, scopes: [] },
      );
      const result = await shared.verify(forged);
      expect(!result.ok && result.failure.kind).toBe('key-not-found');
    }
    expect(issuer.jwksRequests() - before).toBeLessThanOrEqual(1);
  });

  it('refuses tokens while the issuer cannot be reached, and recovers when it can', async () => {
    const keys = await loadIssuerKeys(path.join(dataDir, 'other-keys.json'));
    const down = await startOidcIssuer({ keys, port: 0 });
    const port = new URL(down.issuer).port;
    const token = await signAccessToken({ issuer: down.issuer, audience: TEST_AUDIENCE }, keys.current(), {
      organisationId: TEST_ORGANISATION,
      scopes: [],
    });
    await down.stop();
    const waiting = createTokenVerifier({ issuer: down.issuer, audiences: [TEST_AUDIENCE] });
    const refused = await waiting.verify(token);
    expect(!refused.ok && refused.failure.kind).toBe('malformed');
    const back = await startOidcIssuer({ keys, port: Number(port) });
    try {
      expect((await waiting.verify(token)).ok).toBe(true);
    } finally {
      await back.stop();
    }
  });

  it('refuses to trust a discovery document that names another issuer', async () => {
    const impostor = createTokenVerifier({
      issuer: `${issuer.issuer}/other`,
      metadataUrl: `${issuer.issuer}/.well-known/openid-configuration`,
      audiences: [TEST_AUDIENCE],
    });
    const result = await impostor.verify(await sign());
    expect(!result.ok && result.failure.kind).toBe('malformed');
  });
});
