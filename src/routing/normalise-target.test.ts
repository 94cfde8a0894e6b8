import { describe, expect, it } from '@jest/globals';

import { normaliseTarget } from './normalise-target.ts';

// Each expectation is what Kestrel made of the target (measured, docs/proxy.md), in its sent spelling.
describe('normaliseTarget', () => {
  it('leaves a target with nothing to normalise as it is, query and all', () => {
    for (const target of [
      '/api/athletes/42',
      '/api/athletes/42?x=/../y&z=%2e%2e',
      '/',
      '/api/athletes/',
      '/files/report.v2.json',
      '/.well-known/openid-configuration',
      '/api/athletes/a%40b.example',
      '/api//athletes',
      '//api/athletes',
      '/api/athletes/%5C',
      '/api/athletes/...',
      '/api/athletes/.hidden/..x',
      '*',
    ]) {
      expect(normaliseTarget(target)).toBe(target);
    }
  });

  it('removes dot segments as RFC 3986 §5.2.4 does, keeping the query untouched', () => {
    expect(normaliseTarget('/api/./athletes/42')).toBe('/api/athletes/42');
    expect(normaliseTarget('/api/x/../athletes/42')).toBe('/api/athletes/42');
    expect(normaliseTarget('/./api/athletes/42')).toBe('/api/athletes/42');
    expect(normaliseTarget('/api/./athletes?pageSize=1&x=/./')).toBe('/api/athletes?pageSize=1&x=/./');
    expect(normaliseTarget('/api/athletes/42/x/..?a=/../b')).toBe('/api/athletes/42/?a=/../b');
  });

  it('reads percent-encoded dots as dots, in either case and mixed with plain ones', () => {
    expect(normaliseTarget('/api/%2e/athletes/42')).toBe('/api/athletes/42');
    expect(normaliseTarget('/api/%2E%2E/api/athletes/42')).toBe('/api/athletes/42');
    expect(normaliseTarget('/api/x/.%2e/athletes/42')).toBe('/api/athletes/42');
    expect(normaliseTarget('/api/x/%2E./athletes/42')).toBe('/api/athletes/42');
    // Decoded once only, as Kestrel does: `%252e` is the three characters `%2e`, not a dot.
    expect(normaliseTarget('/api/%252e/athletes')).toBe('/api/%252e/athletes');
    // An encoded slash is not a separator, so `..%2F` is an ordinary segment.
    expect(normaliseTarget('/api/athletes/42/..%2F')).toBe('/api/athletes/42/..%2F');
  });

  it('ends a path whose last segment is a dot segment with a slash, as Kestrel does', () => {
    expect(normaliseTarget('/api/athletes/.')).toBe('/api/athletes/');
    expect(normaliseTarget('/api/athletes/42/..')).toBe('/api/athletes/');
    expect(normaliseTarget('/api/athletes/%2e')).toBe('/api/athletes/');
    expect(normaliseTarget('/api/athletes/..')).toBe('/api/');
    expect(normaliseTarget('/..')).toBe('/');
    expect(normaliseTarget('/.')).toBe('/');
  });

  it('never climbs above the root', () => {
    expect(normaliseTarget('/../api/athletes/42')).toBe('/api/athletes/42');
    expect(normaliseTarget('/api/../../athletes/42')).toBe('/athletes/42');
  });

  it('keeps repeated slashes, which a dot segment may remove like any other empty segment', () => {
    expect(normaliseTarget('/api/x/..//athletes/42')).toBe('/api//athletes/42');
    expect(normaliseTarget('/api//../athletes/42')).toBe('/api/athletes/42');
    expect(normaliseTarget('/a/b/../..//c')).toBe('//c');
  });

  it('refuses what Kestrel refuses: an encoded NUL in the path', () => {
    expect(normaliseTarget('/api/athletes/%00')).toBeUndefined();
    expect(normaliseTarget('/api/athletes/.%00')).toBeUndefined();
    expect(normaliseTarget('/api/athletes?x=%00')).toBe('/api/athletes?x=%00');
  });

  it('refuses a raw backslash, which legacy hosts do not agree on', () => {
    expect(normaliseTarget('/api\\athletes\\42')).toBeUndefined();
    expect(normaliseTarget('/api/athletes/42/x\\..')).toBeUndefined();
    expect(normaliseTarget('/api/athletes?q=a\\b')).toBe('/api/athletes?q=a\\b');
  });
});
