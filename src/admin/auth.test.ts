import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { createLogger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { createAuthFailureLimiter } from './auth-failure-limiter.ts';
import { createAdminAuth, grants } from './auth.ts';

const tokens = { adminQaToken: 'qa-token-0123456789abcdef', adminOperatorToken: 'op-token-0123456789abcdef' };

describe('createAdminAuth', () => {
  // Many wrong tokens from one address below: a limiter that never blocks keeps these about matching.
  const auth = createAdminAuth(tokens, { limiter: createAuthFailureLimiter({ maxFailures: 1_000_000 }) });
  const roleFor = (header: string | undefined) => {
    const result = auth.attemptBearer('127.0.0.1', header);
    return result.outcome === 'granted' ? result.role : undefined;
  };

  it('grants the role whose token is presented as a bearer token', () => {
    expect(roleFor(`Bearer ${tokens.adminQaToken}`)).toBe('qa');
    expect(roleFor(`Bearer ${tokens.adminOperatorToken}`)).toBe('operator');
  });

  it('accepts the scheme in any case, as RFC 6750 allows', () => {
    expect(roleFor(`bearer ${tokens.adminQaToken}`)).toBe('qa');
    expect(roleFor(`BEARER  ${tokens.adminOperatorToken}`)).toBe('operator');
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
    expect(roleFor(header)).toBeUndefined();
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

describe('createAdminAuth with a failure limiter', () => {
  function setUp() {
    let now = 0;
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
    const metrics = createMetrics({ defaultMetrics: false });
    const auth = createAdminAuth(tokens, {
      limiter: createAuthFailureLimiter({ now: () => now }),
      logger: createLogger('info', stream),
      metrics,
    });
    const blockedCount = async (): Promise<number> =>
      (await metrics.adminAuthBlocked.get()).values[0]?.value ?? 0;
    return { auth, lines, blockedCount, advance: (ms: number) => (now += ms) };
  }
  const wrong = 'Bearer op-token-0123456789abcdeX';

  it('blocks after ten wrong tokens, without checking the right one, and logs the block once', async () => {
    const { auth, lines, blockedCount } = setUp();
    for (let i = 0; i < 10; i++)
      expect(auth.attemptBearer('10.0.0.1', wrong)).toEqual({ outcome: 'refused' });
    expect(auth.attemptBearer('10.0.0.1', `Bearer ${tokens.adminOperatorToken}`)).toEqual({
      outcome: 'blocked',
      retryAfterSeconds: 300,
    });
    expect(auth.attemptToken('10.0.0.1', tokens.adminQaToken)).toMatchObject({ outcome: 'blocked' });
    expect(auth.attemptBearer('10.0.0.1', wrong)).toMatchObject({ outcome: 'blocked' });
    expect(auth.attemptToken('10.0.0.2', tokens.adminQaToken)).toEqual({ outcome: 'granted', role: 'qa' });
    await new Promise((resolve) => setImmediate(resolve));
    const blockLines = lines.filter((l) => l.includes('blocked'));
    expect(blockLines).toHaveLength(1);
    expect(JSON.parse(blockLines[0] ?? '{}')).toMatchObject({
      level: 'warn',
      remoteAddress: '10.0.0.1',
      failures: 10,
      retryAfterSeconds: 300,
    });
    expect(await blockedCount()).toBe(3);
  });

  it('counts the form and the bearer header together, and other schemes as wrong tokens', () => {
    const { auth } = setUp();
    for (let i = 0; i < 4; i++) auth.attemptToken('10.0.0.1', 'guess');
    for (let i = 0; i < 3; i++) auth.attemptBearer('10.0.0.1', `Basic ${tokens.adminQaToken}`);
    for (let i = 0; i < 3; i++) auth.attemptBearer('10.0.0.1', wrong);
    expect(auth.attemptToken('10.0.0.1', tokens.adminQaToken)).toMatchObject({ outcome: 'blocked' });
  });

  it('does not count missing credentials', () => {
    const { auth } = setUp();
    for (let i = 0; i < 20; i++) {
      expect(auth.attemptBearer('10.0.0.1', undefined)).toEqual({ outcome: 'missing' });
      expect(auth.attemptBearer('10.0.0.1', ' ')).toEqual({ outcome: 'missing' });
      expect(auth.attemptToken('10.0.0.1', '')).toEqual({ outcome: 'missing' });
    }
    expect(auth.attemptBearer('10.0.0.1', `Bearer ${tokens.adminQaToken}`)).toEqual({
      outcome: 'granted',
      role: 'qa',
    });
  });

  it('does not let a success wipe the failures (a QA token holder guessing the operator token)', () => {
    const { auth, advance } = setUp();
    for (let i = 0; i < 10; i++) {
      expect(auth.attemptBearer('10.0.0.1', `Bearer ${tokens.adminQaToken}`)).toMatchObject({
        outcome: 'granted',
      });
      expect(auth.attemptBearer('10.0.0.1', wrong)).toEqual({ outcome: 'refused' });
    }
    expect(auth.attemptBearer('10.0.0.1', `Bearer ${tokens.adminQaToken}`)).toMatchObject({
      outcome: 'blocked',
    });
    advance(5 * 60_000);
    expect(auth.attemptBearer('10.0.0.1', `Bearer ${tokens.adminQaToken}`)).toMatchObject({
      outcome: 'granted',
    });
  });

  it('puts clients whose address is unknown (peer already gone) in one shared bucket', () => {
    const { auth } = setUp();
    for (let i = 0; i < 10; i++) auth.attemptBearer(undefined, wrong);
    expect(auth.attemptBearer(undefined, `Bearer ${tokens.adminQaToken}`)).toMatchObject({
      outcome: 'blocked',
    });
  });
});
