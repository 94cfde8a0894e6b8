/*
 * Every bad token, answered by strangler's identity check exactly as the real ASP.NET legacy answers it:
 * the status and the WWW-Authenticate header, for the same tokens against the same issuer.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { loadIssuerKeys } from '../../scripts/demo/issuer/issuer-keys.ts';
import { startOidcIssuer, type RunningIssuer } from '../../scripts/demo/issuer/oidc-issuer.ts';
import { dotnetForSuite } from '../../scripts/legacy-aspnet/dotnet-suite.ts';
import { startLegacyAspnet, type LegacyAspnet } from '../../scripts/legacy-aspnet/legacy-aspnet.ts';
import { authenticate } from './authenticate.ts';
import { tokenCases, TEST_AUDIENCE, READ_BOTH, type TokenCase } from './testing/token-cases.ts';
import { createTokenVerifier, type TokenVerifier } from './token-verifier.ts';

const run = dotnetForSuite('identity parity with the ASP.NET legacy') ? describe : describe.skip;

run('bearer tokens: strangler refuses as the ASP.NET legacy does', () => {
  let dataDir: string;
  let issuer: RunningIssuer;
  let legacy: LegacyAspnet;
  let verifier: TokenVerifier;
  let cases: TokenCase[];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'strangler-identity-'));
    issuer = await startOidcIssuer({ keys: await loadIssuerKeys(path.join(dataDir, 'keys.json')), port: 0 });
    // No database: the report's missing squadId is refused by model validation after authorization, so
    // an allowed request answers 400 without reaching one.
    legacy = await startLegacyAspnet({
      legacyDatabaseUrl: 'postgres://nobody@127.0.0.1:1/none',
      port: 0,
      auth: { issuer: issuer.issuer, audience: TEST_AUDIENCE },
    });
    verifier = createTokenVerifier({ issuer: issuer.issuer, audiences: [TEST_AUDIENCE] });
    cases = await tokenCases(issuer);
  }, 180_000);

  afterAll(async () => {
    await legacy?.stop();
    await issuer?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers every token case with legacy status and challenge', async () => {
    const answers = [];
    for (const tokenCase of cases) {
      const response = await request(new URL('/api/reports/availability', legacy.url), {
        headers: tokenCase.authorization === undefined ? {} : { authorization: tokenCase.authorization },
      });
      await response.body.dump();
      const legacyAnswer = {
        name: tokenCase.name,
        status: response.statusCode === 400 ? 'allowed' : response.statusCode,
        wwwAuthenticate: response.headers['www-authenticate'],
      };
      const ours = await authenticate(verifier, tokenCase.authorization, { scopes: READ_BOTH });
      answers.push({
        legacy: legacyAnswer,
        strangler: {
          name: tokenCase.name,
          status: ours.outcome === 'allowed' ? 'allowed' : ours.status,
          wwwAuthenticate:
            ours.outcome === 'refused' && ours.status === 401 ? ours.wwwAuthenticate : undefined,
        },
      });
    }
    expect(answers.map((a) => a.strangler)).toEqual(answers.map((a) => a.legacy));
    expect(answers.filter((a) => a.legacy.status === 'allowed').map((a) => a.legacy.name)).toEqual([
      'valid',
      'valid, scheme in lower case and extra spaces',
      'no kid, right signature',
      'expired within the clock skew',
      'not yet valid within the clock skew',
    ]);
  }, 60_000);
});
