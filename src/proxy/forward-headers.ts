import type { IncomingHttpHeaders } from 'node:http';

import { randomUuid } from '../observability/random-ids.ts';

/*
 * RFC 9110 §7.6.1: a proxy removes the hop-by-hop fields (Connection, Proxy-Connection, Keep-Alive,
 * TE, Transfer-Encoding, Upgrade) and every field named in Connection before forwarding a message.
 * Transfer-Encoding is the exception here: node de-chunks what it receives and re-frames what it
 * sends from this header, so it stays as framing information (httpxy then sends
 * `Connection: close` upstream for such requests, which keeps request smuggling off pooled sockets).
 */
const ALWAYS_HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-authentication-info',
  'te',
  'trailer',
  'upgrade',
  // Node's server already answered `100 Continue` to the client (no checkContinue listener), so
  // legacy is asked for nothing: the body is streamed to it regardless.
  'expect',
]);

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

/**
 * Field names listed in Connection, lower-cased, minus the protected ones and those removed anyway;
 * undefined when none. Nearly every message says just `keep-alive` or `close`: no set for those.
 */
function connectionTokens(connection: string | string[] | undefined): Set<string> | undefined {
  if (connection === undefined || connection === 'keep-alive' || connection === 'close') return undefined;
  let tokens: Set<string> | undefined;
  for (const raw of (Array.isArray(connection) ? connection.join(',') : connection).split(',')) {
    const token = raw.trim().toLowerCase();
    if (token !== '' && !PROTECTED.has(token) && !ALWAYS_HOP_BY_HOP.has(token))
      (tokens ??= new Set()).add(token);
  }
  return tokens;
}

/*
 * Both directions build a fresh object in one pass instead of deleting fields: `delete` drops V8's
 * fast properties for the object, and node and httpxy walk these headers several times more.
 */
function withoutHopByHop(headers: IncomingHttpHeaders, keep: string | undefined): IncomingHttpHeaders {
  const named = connectionTokens(headers.connection);
  const clean: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (name === keep || (!ALWAYS_HOP_BY_HOP.has(name) && (named === undefined || !named.has(name)))) {
      clean[name] = headers[name];
    }
  }
  return clean;
}

const COLON = 0x3a;
const IPV4_MAPPED = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/**
 * The client's address as legacy and the logs know it: a dual-stack socket reports an IPv4 client as
 * `::ffff:a.b.c.d`, which is that IPv4 address (RFC 4291 §2.5.5.2) and is written as such.
 */
export function clientIp(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return '';
  // A mapped address starts `::`; a plain IPv4 one (most clients behind a load balancer) needs no regex.
  if (remoteAddress.charCodeAt(0) !== COLON) return remoteAddress;
  return IPV4_MAPPED.exec(remoteAddress)?.[1] ?? remoteAddress;
}

/** `preserve` sends the client's Host to legacy (App Service custom domains); `rewrite` sends legacy's. */
export type HostHeaderMode = 'preserve' | 'rewrite';

export interface ForwardingFacts {
  readonly remoteAddress: string | undefined;
  readonly encrypted: boolean;
  readonly requestId: string;
  /** Host header to send; undefined keeps the client's (HOST_HEADER=preserve). */
  readonly rewriteHost: string | undefined;
}

/**
 * legacy's copy of the client's request headers: hop-by-hop fields out, X-Forwarded-* appended, Host
 * per configuration, X-Request-Id set. `websocket` keeps `Connection: upgrade` + `Upgrade` so the
 * handshake can pass (RFC 9110 §7.8).
 */
export function forwardHeaders(
  headers: IncomingHttpHeaders,
  facts: ForwardingFacts,
  websocket = false,
): IncomingHttpHeaders {
  const forwarded = withoutHopByHop(headers, websocket ? 'upgrade' : undefined);
  if (websocket && forwarded.upgrade !== undefined) forwarded.connection = 'upgrade';
  forwarded['x-forwarded-for'] = appendValue(headers['x-forwarded-for'], clientIp(facts.remoteAddress));
  forwarded['x-forwarded-proto'] = appendValue(
    headers['x-forwarded-proto'],
    websocket ? (facts.encrypted ? 'wss' : 'ws') : facts.encrypted ? 'https' : 'http',
  );
  forwarded['x-forwarded-host'] = appendValue(headers['x-forwarded-host'], headers.host ?? '');
  if (facts.rewriteHost !== undefined) forwarded.host = facts.rewriteHost;
  forwarded['x-request-id'] = facts.requestId;
  return forwarded;
}

function appendValue(existing: string | string[] | undefined, value: string): string {
  if (existing === undefined || existing === '') return value;
  return `${Array.isArray(existing) ? existing.join(', ') : existing}, ${value}`;
}

/**
 * The response direction of the same rule: legacy's hop-by-hop fields never reach the client.
 * Transfer-Encoding stays (node re-frames from it, see above); Connection is left to node, which
 * manages the client connection.
 */
export function responseHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return withoutHopByHop(headers, undefined);
}

const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/** A client's X-Request-Id is kept when it is one printable token of sane length (it goes into logs). */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUuid();
}
