/*
 * An OpenID Connect issuer for one suite, with keys of its own in a temporary folder, and bearer tokens
 * from it for any caller: what a deployment's identity provider gives the proxy, the legacy and their
 * callers, so a suite verifies real tokens instead of faking the verifier.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { signAccessToken, type TokenRequest } from '../../../scripts/demo/issuer/demo-tokens.ts';
import { loadIssuerKeys } from '../../../scripts/demo/issuer/issuer-keys.ts';
import { startOidcIssuer, type RunningIssuer } from '../../../scripts/demo/issuer/oidc-issuer.ts';
import type { Principal } from '../principal.ts';
import type { TokenVerifierSettings } from '../token-verifier.ts';
import { TEST_AUDIENCE } from './token-cases.ts';

export interface TestIssuer {
  readonly issuer: RunningIssuer;
  /** Whose tokens to accept: what the proxy's verifier and the stand-in's `auth` are built from. */
  readonly auth: TokenVerifierSettings;
  /**
   * `Bearer <token>` signed with the issuer's current key, for the suite's audience unless another is
   * named, issued at `now` (seconds) when given.
   */
  sign(
    request: TokenRequest,
    options?: { readonly audience?: string; readonly now?: number },
  ): Promise<string>;
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
  const sign: TestIssuer['sign'] = async (request, options = {}) => {
    const authority = { issuer: issuer.issuer, audience: options.audience ?? audience };
    return `Bearer ${await signAccessToken(authority, issuer.keys.current(), request, options.now)}`;
  };
  return {
    issuer,
    auth: { issuer: issuer.issuer, audiences: [audience] },
    sign,
    authorizationOf: (caller) =>
      sign({
        organisationId: caller.organisationId,
        scopes: [...caller.scopes],
        roles: [...caller.roles],
        subject: caller.subject,
      }),
    async stop() {
      await issuer.stop();
      await rm(keysDir, { recursive: true, force: true });
    },
  };
}
