import { describe, expect, it } from '@jest/globals';
import { createAdminAuth, grants } from './auth.ts';

const tokens = { adminQaToken: 'qa-token-0123456789abcdef', adminOperatorToken: 'op-token-0123456789abcdef' };

describe('createAdminAuth', () => {
  const auth = createAdminAuth(tokens);

  it('grants the role whose token is presented as a bearer token', () => {
    expect(auth.roleFor(`Bearer ${tokens.adminQaToken}`)).toBe('qa');
    expect(auth.roleFor(`Bearer ${tokens.adminOperatorToken}`)).toBe('operator');
  });

  it('accepts the scheme in any case, as RFC 6750 allows', () => {
    expect(auth.roleFor(`bearer ${tokens.adminQaToken}`)).toBe('qa');
    expect(auth.roleFor(`BEARER  ${tokens.adminOperatorToken}`)).toBe('operator');
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['a wrong token', 'Bearer qa-token-0123456789abcdeX'],
    ['a prefix of the token', 'Bearer qa-token-0123456789abcde'],
    ['the token with a suffix', `Bearer ${tokens.adminQaToken}x`],
    ['the token as Basic credentials', `Basic ${tokens.adminQaToken}`],
    ['the bare token without a scheme', tokens.adminQaToken],
    ['two tokens', `Bearer ${tokens.adminQaToken} ${tokens.adminOperatorToken}`],
  ])('grants nothing for %s', (_case, header) => {
    expect(auth.roleFor(header)).toBeUndefined();
  });
});

describe('grants', () => {
  it('lets an operator do what QA may, but not the other way round', () => {
    expect(grants('operator', 'qa')).toBe(true);
    expect(grants('operator', 'operator')).toBe(true);
    expect(grants('qa', 'qa')).toBe(true);
    expect(grants('qa', 'operator')).toBe(false);
  });
});
