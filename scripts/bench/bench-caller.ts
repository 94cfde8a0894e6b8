/**
 * The bench's caller: a token issuer of its own and one token from it, so the bench can measure a new
 * handler reached with a verified bearer token against the same handler without a policy.
 */
import { startTestIssuer, type TestIssuer } from '../../src/identity/testing/test-issuer.ts';

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

let running: TestIssuer | undefined;

export async function startBenchCaller(): Promise<BenchCaller> {
  running = await startTestIssuer(BENCH_AUDIENCE);
  const authorization = await running.sign({ organisationId: BENCH_ORGANISATION, scopes: ['athletes:read'] });
  return { issuer: running.auth.issuer, audience: BENCH_AUDIENCE, headers: { authorization } };
}

export async function stopBenchCaller(): Promise<void> {
  await running?.stop();
  running = undefined;
}
