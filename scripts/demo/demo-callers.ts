/*
 * Tokens for the demo's callers, signed with the key of the issuer `npm start` runs (under DATA_DIR), as
 * the demo's organisations would get them from their identity provider: for the traffic generator, the
 * end-to-end suite and `npm run demo:token`.
 */
import { access } from 'node:fs/promises';

import { DEMO_ORGANISATIONS, type DemoOrganisation } from './demo-organisations.ts';
import { signAccessToken, type TokenRequest } from './issuer/demo-tokens.ts';
import { loadIssuerKeys } from './issuer/issuer-keys.ts';

export interface DemoTokenAuthority {
  /** The running issuer's identifier (the banner's), the `iss` of every token. */
  readonly issuer: string;
  readonly audience: string;
  readonly keysFile: string;
}

export type DemoTokenSigner = (request: TokenRequest) => Promise<string>;

/** Every scope the demo API knows: the traffic generator reads and writes everything. */
export const ALL_DEMO_SCOPES = ['athletes:read', 'athletes:write', 'wellness:read', 'wellness:write'];

/** A signer over the issuer's current key; throws a sentence when the demo has not made its keys yet. */
export async function demoTokenSigner(authority: DemoTokenAuthority): Promise<DemoTokenSigner> {
  try {
    await access(authority.keysFile);
  } catch {
    throw new Error(
      `${authority.keysFile} does not exist: start the demo once (npm start) with this DATA_DIR`,
    );
  }
  const keys = await loadIssuerKeys(authority.keysFile);
  return (request) => signAccessToken(authority, keys.current(), request);
}

export interface DemoCaller {
  readonly organisation: DemoOrganisation;
  readonly token: string;
}

/** One caller per demo organisation, each with every scope, valid for `seconds`. */
export async function demoCallers(signer: DemoTokenSigner, seconds: number): Promise<DemoCaller[]> {
  return Promise.all(
    DEMO_ORGANISATIONS.map(async (organisation) => ({
      organisation,
      token: await signer({
        organisationId: organisation.id,
        scopes: ALL_DEMO_SCOPES,
        expiresInSeconds: seconds,
      }),
    })),
  );
}
