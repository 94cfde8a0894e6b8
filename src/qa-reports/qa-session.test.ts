import { describe, expect, it } from '@jest/globals';
import { csrfTokenFor, csrfTokenValid, deriveSessionKey, issueSession, verifySession } from './qa-session.ts';

const tokens = { adminQaToken: 'qa-token-0123456789', adminOperatorToken: 'operator-token-0123456789' };
const key = deriveSessionKey(tokens);

describe('QA session cookie', () => {
  it('round-trips a signed session until it expires', () => {
    const { cookieValue } = issueSession(key, 'qa', 'Quinn', 1_000, 60_000);
    expect(verifySession(key, cookieValue, 2_000)).toMatchObject({ role: 'qa', actor: 'Quinn' });
    expect(verifySession(key, cookieValue, 61_000)).toBeUndefined();
  });

  it('is refused by a replica whose tokens were rotated', () => {
    const { cookieValue } = issueSession(key, 'operator', 'Olive', 1_000);
    const rotated = deriveSessionKey({ ...tokens, adminOperatorToken: 'operator-token-rotated-0001' });
    expect(verifySession(rotated, cookieValue, 2_000)).toBeUndefined();
  });

  it('binds the CSRF token to one session', () => {
    const a = issueSession(key, 'qa', 'A', 0).session;
    const b = issueSession(key, 'qa', 'B', 0).session;
    expect(csrfTokenValid(key, a.id, csrfTokenFor(key, a.id))).toBe(true);
    expect(csrfTokenValid(key, b.id, csrfTokenFor(key, a.id))).toBe(false);
    expect(csrfTokenValid(key, a.id, undefined)).toBe(false);
  });
});
