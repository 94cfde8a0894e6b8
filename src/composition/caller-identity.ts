/*
 * The verifier of the callers' bearer tokens, built from the issuer the environment names. Without an
 * issuer the routes with a policy are named at startup: legacy serves them whatever their flags say
 * (src/proxy/stages/decide.ts), since no new handler may run for a caller nobody checked.
 */
import type { AuthSettings } from '../config.ts';
import { ConfigError } from '../config.ts';
import { createTokenVerifier } from '../identity/token-verifier.ts';
import type { TokenVerifier } from '../identity/token-verifier.ts';
import type { Logger } from '../observability/logger.ts';
import type { RouteTable } from '../routing/route.ts';

/**
 * Reads the issuer's discovery document once before the public port opens. A document that shows the
 * settings are wrong (another issuer, no keys, not found) refuses the start; an issuer that cannot be
 * reached now is only logged, because the verifier tries again on the next token and the rest of the
 * API must not wait for the identity provider.
 */
export async function startCallerIdentity(
  auth: AuthSettings | undefined,
  routes: RouteTable,
  logger: Logger,
): Promise<TokenVerifier | undefined> {
  if (auth === undefined) {
    const held = routes.routes.filter((route) => route.policy !== undefined).map((route) => route.id);
    if (held.length > 0) {
      logger.warn('no AUTH_ISSUER: routes with a policy are served by legacy whatever their flags say', {
        routes: held,
      });
    }
    return undefined;
  }
  // The verifier keeps what it read here, so the first token does not fetch the documents again.
  const verifier = createTokenVerifier(auth);
  try {
    await verifier.discover();
  } catch (error: unknown) {
    if (!isUnreachable(error)) {
      throw new ConfigError([
        `AUTH_ISSUER ${auth.issuer}: ${error instanceof Error ? error.message : String(error)}`,
      ]);
    }
    logger.warn("the callers' issuer cannot be reached yet; tokens are refused until it can", {
      issuer: auth.issuer,
      error: error instanceof Error ? error.message : String(error),
    });
  }
  return verifier;
}

// fetch fails with a TypeError when nothing answers and a TimeoutError when the answer is late; an
// identity provider answering 5xx is down, not misconfigured. Names, not classes: fetch's errors may
// come from another realm.
const UNREACHABLE = new Set(['TypeError', 'TimeoutError', 'AbortError']);

function isUnreachable(error: unknown): boolean {
  if (!(typeof error === 'object' && error !== null && 'name' in error)) return false;
  if (UNREACHABLE.has(String(error.name))) return true;
  return 'message' in error && / answered 5\d\d$/.test(String(error.message));
}
