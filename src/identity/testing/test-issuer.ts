/*
 * An OpenID Connect issuer for one suite, with keys of its own in a temporary folder, and bearer tokens
 * from it for any caller: what a deployment's identity provider gives the proxy, the legacy and their
 * callers, so a suite verifies real tokens instead of faking the verifier.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { signAccessToken } from '../../../scripts/demo/issuer/demo-tokens.ts';
import { loadIssuerKeys } from '../../../scripts/demo/issuer/issuer-keys.ts';
import { startOidcIssuer } from '../../../scripts/demo/issuer/oidc-issuer.ts';
import type { Principal } from '../principal.ts';
import type { TokenVerifierSettings } from '../token-verifier.ts';
import { TEST_AUDIENCE } from './token-cases.ts';

export interface TestIssuer {
  /** Whose tokens to accept: what the proxy's verifier and the stand-in's `auth` are built from. */
  readonly auth: TokenVerifierSettings;
  /** `Bearer <token>` of `caller`: its subject, organisation, scopes and roles, valid for an hour. */
  authorizationOf(caller: Principal): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestIssuer(audience: string = TEST_AUDIENCE): Promise<TestIssuer> {
  const keysDir = await mkdtemp(path.join(tmpdir(), 'strangler-test-issuer-'));
  const issuer = await startOidcIssuer({
    keys: await loadIssuerKeys(path.join(keysDir, 'keys.json')),
    port: 0,
  });
  const authority = { issuer: issuer.issuer, audience };
  return {
    auth: { issuer: issuer.issuer, audiences: [audience] },
    async authorizationOf(caller) {
      const token = await signAccessToken(authority, issuer.keys.current(), {
        organisationId: caller.organisationId,
        scopes: [...caller.scopes],
        roles: [...caller.roles],
        subject: caller.subject,
      });
      return `Bearer ${token}`;
    },
    async stop() {
      await issuer.stop();
      await rm(keysDir, { recursive: true, force: true });
    },
  };
}
