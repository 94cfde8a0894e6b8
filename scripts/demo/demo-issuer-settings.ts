/*
 * Where the demo's OpenID Connect issuer runs and what its tokens are for: read the same way by `npm
 * start` (which runs the issuer) and `npm run demo:token` (which signs with its key), so a printed token
 * verifies against the running demo.
 */
import path from 'node:path';

import { issuerKeysFile } from './issuer/issuer-keys.ts';

export const DEFAULT_DEMO_ISSUER_PORT = 5081;
/** The audience legacy and strangler accept in the demo (AUTH_AUDIENCE). */
export const DEMO_AUDIENCE = 'api://strangler-demo';

export interface DemoIssuerSettings {
  /** 0 picks a free port (the tests); `npm run demo:token` then cannot know the issuer's address. */
  readonly port: number;
  /** http://127.0.0.1:<port>: the `iss` of every demo token. */
  readonly issuer: string;
  readonly audience: string;
  readonly keysFile: string;
}

export function demoIssuerSettings(env: NodeJS.ProcessEnv = process.env): DemoIssuerSettings {
  const raw = env.DEMO_ISSUER_PORT;
  const port = raw === undefined || raw === '' ? DEFAULT_DEMO_ISSUER_PORT : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`DEMO_ISSUER_PORT must be a port number from 0 to 65535 (got "${raw ?? ''}")`);
  }
  return {
    port,
    issuer: `http://127.0.0.1:${port}`,
    audience: env.AUTH_AUDIENCE || DEMO_AUDIENCE,
    keysFile: issuerKeysFile(path.resolve(env.DATA_DIR || 'data')),
  };
}
