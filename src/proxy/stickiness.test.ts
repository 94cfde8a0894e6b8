import { describe, expect, it } from '@jest/globals';
import { bearerClaim, stickinessId } from './stickiness.ts';

function jwt(payload: unknown): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`;
}

describe('stickiness id', () => {
  it('reads the configured header, case-insensitively', () => {
    expect(stickinessId({ kind: 'header', name: 'X-Tenant-Id' }, { 'x-tenant-id': 't-1' }, '10.0.0.1')).toBe(
      't-1',
    );
  });

  it('reads a JWT claim from the bearer token without verifying it', () => {
    const headers = { authorization: `Bearer ${jwt({ sub: 'user-9', tid: 1234 })}` };
    expect(stickinessId({ kind: 'jwt-claim', claim: 'sub' }, headers, '10.0.0.1')).toBe('user-9');
    expect(stickinessId({ kind: 'jwt-claim', claim: 'tid' }, headers, '10.0.0.1')).toBe('1234');
  });

  it('uses the first X-Forwarded-For address for client-address stickiness (callers behind a balancer)', () => {
    const headers = { 'x-forwarded-for': '203.0.113.5, 10.1.1.1' };
    expect(stickinessId({ kind: 'client-address' }, headers, '10.0.0.1')).toBe('203.0.113.5');
    expect(stickinessId({ kind: 'client-address' }, {}, '10.0.0.1')).toBe('10.0.0.1');
  });

  it('falls back to the client address when the configured source is missing or unreadable', () => {
    expect(stickinessId({ kind: 'header', name: 'x-tenant-id' }, {}, '10.0.0.2')).toBe('10.0.0.2');
    expect(
      stickinessId({ kind: 'jwt-claim', claim: 'sub' }, { authorization: 'Bearer not-a-jwt' }, '10.0.0.3'),
    ).toBe('10.0.0.3');
    expect(bearerClaim('Bearer a.%%%.c', 'sub')).toBeUndefined();
    expect(bearerClaim(`Bearer ${jwt(['array'])}`, 'sub')).toBeUndefined();
    expect(bearerClaim(`Basic ${jwt({ sub: 'x' })}`, 'sub')).toBeUndefined();
    expect(bearerClaim(`Bearer ${jwt({ sub: { nested: true } })}`, 'sub')).toBeUndefined();
  });

  it('reads the verified caller for a verified claim, never the unverified token', () => {
    const caller = {
      subject: 'coach-1',
      organisationId: '0c6f9f9e-3a0b-4e55-9d7e-2f1f5c1d0a01',
      scopes: new Set<string>(),
      roles: new Set<string>(),
    };
    const forged = { authorization: `Bearer ${jwt({ sub: 'someone-else' })}` };
    const bySubject = { kind: 'verified-claim', claim: 'subject' } as const;
    const byOrganisation = { kind: 'verified-claim', claim: 'organisation' } as const;
    expect(stickinessId(bySubject, forged, '10.0.0.4', caller)).toBe('coach-1');
    expect(stickinessId(byOrganisation, forged, '10.0.0.4', caller)).toBe(caller.organisationId);
    expect(stickinessId(bySubject, forged, '10.0.0.4')).toBe('10.0.0.4');
    expect(stickinessId(byOrganisation, {}, '10.0.0.4', { ...caller, organisationId: '' })).toBe('10.0.0.4');
  });
});
