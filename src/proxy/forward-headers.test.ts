import { describe, expect, it } from '@jest/globals';

import { clientIp, forwardHeaders } from './forward-headers.ts';
import { clientAddress } from './stickiness.ts';

const facts = (remoteAddress: string | undefined) => ({
  remoteAddress,
  encrypted: false,
  requestId: 'r-1',
  rewriteHost: undefined,
});

describe('the client address legacy is told', () => {
  it('writes an IPv4 client of a dual-stack socket as IPv4, not as ::ffff:a.b.c.d', () => {
    expect(forwardHeaders({ host: 'api.example' }, facts('::ffff:127.0.0.1'))['x-forwarded-for']).toBe(
      '127.0.0.1',
    );
    expect(
      forwardHeaders({ host: 'api.example', 'x-forwarded-for': '203.0.113.9' }, facts('::FFFF:198.51.100.2'))[
        'x-forwarded-for'
      ],
    ).toBe('203.0.113.9, 198.51.100.2');
  });

  it('keeps real IPv6 addresses and plain IPv4 as they are', () => {
    expect(clientIp('2001:db8::7')).toBe('2001:db8::7');
    expect(clientIp('::1')).toBe('::1');
    expect(clientIp('::ffff:0:1')).toBe('::ffff:0:1');
    expect(clientIp('10.0.0.5')).toBe('10.0.0.5');
    expect(clientIp(undefined)).toBe('');
  });

  it('buckets a client-address canary on the same IPv4 form', () => {
    expect(clientAddress({}, '::ffff:10.1.2.3')).toBe('10.1.2.3');
  });
});
