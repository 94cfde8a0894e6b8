import type { IncomingHttpHeaders } from 'node:http';

/*
 * RFC 9110 §7.6.1: a proxy removes the hop-by-hop fields (Connection, Proxy-Connection, Keep-Alive,
 * TE, Transfer-Encoding, Upgrade) and every field named in Connection before forwarding a message.
 * Transfer-Encoding is the exception here: node de-chunks what it receives and re-frames what it
 * sends from this header, so it stays as framing information (httpxy then sends
 * `Connection: close` upstream for such requests, which keeps request smuggling off pooled sockets).
 */
const ALWAYS_HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-authentication-info',
  'te',
  'trailer',
  'upgrade',
] as const;

/**
 * Fields a client must not be able to remove by naming them in Connection: the message framing and
 * the fields the proxy itself is responsible for (a classic hop-by-hop abuse is `Connection:
 * X-Forwarded-For` to hide the forwarding chain).
 */
const PROTECTED: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-request-id',
]);

function removeConnectionTokens(headers: Record<string, unknown>, keep: string | undefined): void {
  const connection = headers.connection;
  if (connection === undefined) return;
  const list = Array.isArray(connection) ? connection.join(',') : String(connection);
  for (const raw of list.split(',')) {
    const token = raw.trim().toLowerCase();
    if (token !== '' && token !== keep && !PROTECTED.has(token)) delete headers[token];
  }
}

export interface ForwardingFacts {
  readonly remoteAddress: string | undefined;
  readonly encrypted: boolean;
  readonly requestId: string;
  /** Host header to send; undefined keeps the client's (HOST_HEADER=preserve). */
  readonly rewriteHost: string | undefined;
}

/**
 * Turns the client's request headers into legacy's, in place (node builds `req.headers` per request,
 * so nothing else sees the client's copy): hop-by-hop fields out, X-Forwarded-* appended, Host per
 * configuration, X-Request-Id set. `websocket` keeps `Connection: upgrade` + `Upgrade` so the
 * handshake can pass (RFC 9110 §7.8).
 */
export function prepareForwardHeaders(
  headers: IncomingHttpHeaders,
  facts: ForwardingFacts,
  websocket = false,
): void {
  const bag = headers as Record<string, unknown>;
  const upgrade = headers.upgrade;
  removeConnectionTokens(bag, websocket ? 'upgrade' : undefined);
  for (const name of ALWAYS_HOP_BY_HOP) delete bag[name];
  if (websocket && upgrade !== undefined) {
    headers.connection = 'upgrade';
    headers.upgrade = upgrade;
  }
  // Node's server already answered `100 Continue` to the client (no checkContinue listener), so
  // legacy is asked for nothing: the body is streamed to it regardless.
  delete bag.expect;

  const address = facts.remoteAddress ?? '';
  headers['x-forwarded-for'] = appendValue(headers['x-forwarded-for'], address);
  headers['x-forwarded-proto'] = appendValue(
    headers['x-forwarded-proto'],
    websocket ? (facts.encrypted ? 'wss' : 'ws') : facts.encrypted ? 'https' : 'http',
  );
  headers['x-forwarded-host'] = appendValue(headers['x-forwarded-host'], headers.host ?? '');
  if (facts.rewriteHost !== undefined) headers.host = facts.rewriteHost;
  headers['x-request-id'] = facts.requestId;
}

function appendValue(existing: string | string[] | undefined, value: string): string {
  if (existing === undefined || existing === '') return value;
  return `${Array.isArray(existing) ? existing.join(', ') : existing}, ${value}`;
}

/**
 * The response direction of the same rule: legacy's hop-by-hop fields never reach the client.
 * Transfer-Encoding stays (node re-frames from it, see above); Connection is left to node, which
 * manages the client connection (httpxy then states keep-alive or close for it).
 */
export function stripResponseHopByHop(headers: IncomingHttpHeaders): void {
  const bag = headers as Record<string, unknown>;
  removeConnectionTokens(bag, undefined);
  for (const name of ALWAYS_HOP_BY_HOP) delete bag[name];
}

const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/** A client's X-Request-Id is kept when it is one printable token of sane length (it goes into logs). */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
}
