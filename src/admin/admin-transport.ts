import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/*
 * Whether a browser will keep the admin port's sign-in cookies. They are `__Host-` and `Secure`, which
 * browsers store only from a secure context: https, or plain http on a loopback name
 * (https://w3c.github.io/webappsec-secure-contexts/#is-origin-trustworthy). Anywhere else the cookies
 * are dropped and every sign-in fails its CSRF check.
 */

/** localhost, *.localhost, 127.0.0.0/8 and [::1]: names a browser treats as a secure context over http. */
export function isLoopbackHost(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    /^127(?:\.\d{1,3}){3}$/.test(name) ||
    name === '[::1]' ||
    name === '::1'
  );
}

/**
 * The name a browser used to reach this page over plain http when that name is not a loopback one, so
 * the sign-in cookies will not stick; undefined when they will (or when it cannot be told).
 * `X-Forwarded-Proto: https` from a TLS-terminating proxy in front is taken at its word: it only decides
 * whether the page explains this, never how a credential or cookie is checked, so forging it gains nothing.
 */
export function plainHttpHostname(req: IncomingMessage): string | undefined {
  if ((req.socket as Partial<TLSSocket>).encrypted === true) return undefined;
  const forwardedProto = firstValue(req.headers['x-forwarded-proto']);
  if (forwardedProto?.toLowerCase() === 'https') return undefined;
  const host = req.headers.host;
  if (host === undefined || host === '') return undefined;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
  return isLoopbackHost(hostname) ? undefined : hostname;
}

/** The first of a comma-separated header's values: the one the client-facing proxy wrote. */
function firstValue(header: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  return raw?.split(',')[0]?.trim();
}

/**
 * The startup warning for an admin port without TLS that listens beyond this machine: admin tokens cross
 * the network in clear, and QA sign-in works only through a loopback name or an HTTPS proxy in front.
 */
export function plainHttpAdminWarning(adminHost: string): string | undefined {
  if (isLoopbackHost(adminHost)) return undefined;
  return (
    `the admin port listens on ${adminHost} over plain HTTP: admin tokens and QA sessions cross the ` +
    'network unencrypted, and browsers refuse the QA sign-in cookies unless the page is reached as ' +
    'localhost. Set ADMIN_TLS_CERT and ADMIN_TLS_KEY (PEM files) to serve the admin port over HTTPS, or ' +
    'put a TLS-terminating proxy in front of it that sends X-Forwarded-Proto: https'
  );
}
