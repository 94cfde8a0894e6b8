/*
 * The demo's OpenID Connect issuer: the two documents a resource server reads to verify access tokens,
 * the discovery document (/.well-known/openid-configuration) and the JSON Web Key Set it points at. The
 * legacy API (ASP.NET's JwtBearer, Authority = this issuer) and strangler (AUTH_ISSUER) both read them,
 * as they would read Entra ID's. It does not log anyone in: tokens come from signAccessToken, which is
 * what `npm run demo:token` calls with the same keys.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IssuerKeys } from './issuer-keys.ts';
import { SIGNING_ALGORITHM } from './issuer-keys.ts';

export interface RunningIssuer {
  /** The issuer identifier: the `iss` of its tokens, and where its discovery document lives. */
  readonly issuer: string;
  readonly keys: IssuerKeys;
  /** How many times the JWKS was fetched (tests check the verifiers' caching). */
  jwksRequests(): number;
  /** How many times the discovery document was fetched. */
  discoveryRequests(): number;
  stop(): Promise<void>;
}

export interface IssuerOptions {
  readonly keys: IssuerKeys;
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
}

function discoveryDocument(issuer: string): object {
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    // Required members of OpenID Connect Discovery 1.0 §3, for the flows this issuer would serve.
    authorization_endpoint: `${issuer}/authorize`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
    scopes_supported: ['openid', 'athletes:read', 'athletes:write', 'wellness:read', 'wellness:write'],
  };
}

function sendJson(response: ServerResponse, body: object): void {
  const text = JSON.stringify(body);
  response.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'public, max-age=300',
  });
  response.end(text);
}

export async function startOidcIssuer(options: IssuerOptions): Promise<RunningIssuer> {
  let issuer = '';
  let jwksRequests = 0;
  let discoveryRequests = 0;
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-length': 0 }).end();
    } else if (path === '/.well-known/openid-configuration') {
      discoveryRequests += 1;
      sendJson(response, discoveryDocument(issuer));
    } else if (path === '/.well-known/jwks.json') {
      jwksRequests += 1;
      sendJson(response, { keys: options.keys.all().map((key) => key.publicJwk) });
    } else {
      response.writeHead(404, { 'content-length': 0 }).end();
    }
  };
  const server: Server = createServer(handle);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  issuer = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    keys: options.keys,
    jwksRequests: () => jwksRequests,
    discoveryRequests: () => discoveryRequests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
