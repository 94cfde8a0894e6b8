import { describe, expect, it } from '@jest/globals';
import {
  collapseFormattedPath,
  compilePathPattern,
  formatCollapsedPath,
  formatPath,
  matchesPath,
  PathPatternError,
} from './json-path.ts';

describe('path patterns', () => {
  it('match exact members, indexes, wildcards and descendants', () => {
    const at = (pattern: string, ...segments: (string | number)[]) =>
      matchesPath(compilePathPattern(pattern), segments);
    expect(at('$', ...[])).toBe(true);
    expect(at('$.Items[3].Score', 'Items', 3, 'Score')).toBe(true);
    expect(at('$.Items[3].Score', 'Items', 4, 'Score')).toBe(false);
    expect(at('$.Items[*].Score', 'Items', 4, 'Score')).toBe(true);
    expect(at("$['odd name'].*", 'odd name', 'x')).toBe(true);
    expect(at('$..traceId', 'traceId')).toBe(true);
    expect(at('$..traceId', 'a', 0, 'b', 'traceId')).toBe(true);
    expect(at('$..traceId', 'a', 'traceId', 'b')).toBe(false);
    expect(at('$.Items', 'Items', 0)).toBe(false);
    expect(at('$.Items[*].Score', 'Items', 'Score')).toBe(false);
    expect(at('$.Items[*].Score', 'Items', 0, 1, 'Score')).toBe(false);
    expect(at('$.a..b', 'a', 'b')).toBe(true);
    expect(at('$.a..b', 'a', 'x', 0, 'b')).toBe(true);
    expect(at('$.a..b', 'x', 'b')).toBe(false);
    expect(at('$..[*]', 'a', 0)).toBe(true);
    expect(at('$..traceId')).toBe(false);
    expect(matchesPath(compilePathPattern('$.Items[*]'), ['Items', { key: 'Id', value: '7' }])).toBe(true);
    expect(matchesPath(compilePathPattern('$.Items[0]'), ['Items', { key: 'Id', value: '0' }])).toBe(false);
  });

  it('reject what they do not support instead of matching nothing silently', () => {
    for (const bad of ['Items', '$.Items[?(@.x)]', '$.a..', '$.[', '$.Items[1:2]']) {
      expect(() => compilePathPattern(bad)).toThrow(PathPatternError);
    }
  });
});

describe('path formatting', () => {
  it('prints positions and keyed elements, and collapses both to [*]', () => {
    const segments = ['Items', 3, { key: 'Id', value: '7' }, 'a b'];
    expect(formatPath(segments)).toBe("$.Items[3][Id=7]['a b']");
    expect(formatCollapsedPath(segments)).toBe("$.Items[*][*]['a b']");
    expect(collapseFormattedPath("$.Items[3][Id=7]['a[1]']")).toBe("$.Items[*][*]['a[1]']");
  });
});
