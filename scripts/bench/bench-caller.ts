/**
 * The bench's caller: a demo OpenID Connect issuer of its own and one token from it, so the bench can
 * measure a new handler reached with a verified bearer token against the same handler without a policy.
 */
import { join } from 'node:path';

import { signAccessToken } from '../demo/issuer/demo-tokens.ts';
import { loadIssuerKeys } from '../demo/issuer/issuer-keys.ts';
import { startOidcIssuer, type RunningIssuer } from '../demo/issuer/oidc-issuer.ts';

export const BENCH_AUDIENCE = 'api://strangler-bench';
export const BENCH_ORGANISATION = '0c6f9f9e-3a0b-4e55-9d7e-2f1f5c1d0a01';
/** The two new routes of scripts/bench/strangler-server.ts. */
export const BENCH_NEW_PATH = '/api/bench/new';
export const BENCH_NEW_AUTH_PATH = '/api/bench/new-with-policy';

export interface BenchCaller {
  readonly issuer: string;
  readonly audience: string;
  readonly headers: Readonly<Record<string, string>>;
}

let running: RunningIssuer | undefined;

export async function startBenchCaller(dir: string): Promise<BenchCaller> {
  const keys = await loadIssuerKeys(join(dir, 'issuer-keys.json'));
  running = await startOidcIssuer({ keys, port: 0 });
  const token = await signAccessToken({ issuer: running.issuer, audience: BENCH_AUDIENCE }, keys.current(), {
    organisationId: BENCH_ORGANISATION,
    scopes: ['athletes:read'],
  });
  return { issuer: running.issuer, audience: BENCH_AUDIENCE, headers: { authorization: `Bearer ${token}` } };
}

export async function stopBenchCaller(): Promise<void> {
  await running?.stop();
  running = undefined;
}
