import { describe, expect, it } from '@jest/globals';

import { pathOf, queryOf } from './request-target.ts';

describe('request target', () => {
  it('splits at the first question mark, so a query may itself hold one', () => {
    expect(pathOf('/api/athletes?q=a?b')).toBe('/api/athletes');
    expect(queryOf('/api/athletes?q=a?b')).toBe('q=a?b');
  });

  it('reads a target without a query as all path, and an empty query as empty', () => {
    expect(pathOf('/api/athletes')).toBe('/api/athletes');
    expect(queryOf('/api/athletes')).toBe('');
    expect(pathOf('/api/athletes?')).toBe('/api/athletes');
    expect(queryOf('/api/athletes?')).toBe('');
  });
});
