import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../identity/principal.ts';
import type { StickinessKey } from '../routing/route.ts';
import { clientIp } from './forward-headers.ts';

/**
 * The stable caller id a route's canary buckets on. It only chooses a bucket, it grants nothing, so
 * the JWT is read without verification and X-Forwarded-For is trusted: behind App Service or a
 * Kubernetes ingress every socket comes from the load balancer, and the first X-Forwarded-For entry
 * is the only per-caller address there is. A caller that forges either only picks its own bucket.
 * A `verified-claim` key reads the caller the identify stage verified, so it cannot be forged.
 * When the configured source is absent the client address is used, so the caller still sticks.
 */
export function stickinessId(
  key: StickinessKey,
  headers: IncomingHttpHeaders,
  remoteAddress: string | undefined,
  caller?: Principal,
): string {
  if (key.kind === 'header') {
    const value = headers[key.name.toLowerCase()];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && first !== '') return first;
  } else if (key.kind === 'jwt-claim') {
    const claim = bearerClaim(headers.authorization, key.claim);
    if (claim !== undefined) return claim;
  } else if (key.kind === 'verified-claim' && caller !== undefined) {
    // '' is a caller without a usable organisation, whom every policy refuses anyway.
    const claim = key.claim === 'organisation' ? caller.organisationId : caller.subject;
    if (claim !== '') return claim;
  }
  return clientAddress(headers, remoteAddress);
}

export function clientAddress(headers: IncomingHttpHeaders, remoteAddress: string | undefined): string {
  const forwarded = headers['x-forwarded-for'];
  if (typeof forwarded === 'string') {
    const comma = forwarded.indexOf(',');
    const first = (comma === -1 ? forwarded : forwarded.slice(0, comma)).trim();
    if (first !== '') return first;
  }
  return clientIp(remoteAddress);
}

/** A claim from the payload of `Authorization: Bearer <jwt>`, as a string; undefined if unreadable. */
export function bearerClaim(authorization: string | undefined, claim: string): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/i.exec(authorization.trim());
  const payload = match?.[2];
  if (payload === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const value = (parsed as Record<string, unknown>)[claim];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    return undefined;
  } catch (error: unknown) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}
