import { describe, expect, it } from '@jest/globals';
import type { Request } from 'express';
import { BadRequestError } from '../bad-request-error.ts';
import { acceptChoice, bodyOf, optionalLink, parseStatus, requiredText } from './request-input.ts';

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof BadRequestError) return error.problems;
    throw error;
  }
  throw new Error('expected a BadRequestError');
}

describe('request input', () => {
  it('reads only a plain object as a body: arrays, strings and no body are empty', () => {
    const body = (value: unknown) => bodyOf({ body: value } as unknown as Request);
    expect(body({ reason: 'fine' })).toEqual({ reason: 'fine' });
    expect(body(['reason'])).toEqual({});
    expect(body('reason=fine')).toEqual({});
    expect(body(undefined)).toEqual({});
    expect(body(null)).toEqual({});
  });

  it('trims required text and refuses it missing, blank, not a string or over 2000 characters', () => {
    expect(requiredText({ reason: '  rounding, agreed with product  ' }, 'reason')).toBe(
      'rounding, agreed with product',
    );
    expect(problemsOf(() => requiredText({}, 'reason'))).toEqual(['reason is required']);
    expect(problemsOf(() => requiredText({ reason: '   ' }, 'reason'))).toEqual(['reason is required']);
    expect(problemsOf(() => requiredText({ reason: ['a'] }, 'reason'))).toEqual(['reason is required']);
    expect(requiredText({ note: 'x'.repeat(2000) }, 'note')).toHaveLength(2000);
    expect(problemsOf(() => requiredText({ note: 'x'.repeat(2001) }, 'note'))).toEqual([
      'note must be at most 2000 characters',
    ]);
  });

  it('takes a link only as an http(s) URL, since it is rendered as an anchor', () => {
    expect(optionalLink({})).toBeNull();
    expect(optionalLink({ link: '' })).toBeNull();
    expect(optionalLink({ link: null })).toBeNull();
    expect(optionalLink({ link: 'https://tracker.example/BUG-1' })).toBe('https://tracker.example/BUG-1');
    expect(optionalLink({ link: 'http://tracker.example' })).toBe('http://tracker.example/');
    expect(problemsOf(() => optionalLink({ link: 'javascript:alert(1)' }))).toEqual([
      'link must be an http(s) URL',
    ]);
    expect(problemsOf(() => optionalLink({ link: 'data:text/html,<script>' }))).toEqual([
      'link must be an http(s) URL',
    ]);
    expect(problemsOf(() => optionalLink({ link: 'not a url' }))).toEqual(['link must be an http(s) URL']);
    expect(problemsOf(() => optionalLink({ link: 42 }))).toEqual(['link must be a string']);
    expect(problemsOf(() => optionalLink({ link: `https://a.example/${'x'.repeat(2000)}` }))).toEqual([
      'link must be a string',
    ]);
  });

  it('accepts only a known group status, and none when the filter is absent or empty', () => {
    expect(parseStatus(undefined)).toBeUndefined();
    expect(parseStatus('')).toBeUndefined();
    expect(parseStatus('open')).toBe('open');
    expect(parseStatus('accepted')).toBe('accepted');
    expect(parseStatus('defect')).toBe('defect');
    expect(problemsOf(() => parseStatus('closed'))).toEqual(['status must be one of open, accepted, defect']);
    expect(problemsOf(() => parseStatus(['open']))).toEqual(['status must be one of open, accepted, defect']);
  });

  it('reads what an accept says is equivalent: exact by default, a tolerance of zero or more for numbers', () => {
    expect(acceptChoice({})).toEqual({ equivalence: 'exact' });
    expect(acceptChoice({ equivalence: 'ignore-case', tolerance: 'x' })).toEqual({
      equivalence: 'ignore-case',
    });
    expect(acceptChoice({ equivalence: 'numeric', tolerance: '0.5' })).toEqual({
      equivalence: 'numeric',
      tolerance: 0.5,
    });
    expect(problemsOf(() => acceptChoice({ equivalence: 'numeric', tolerance: '' }))).toEqual([
      'tolerance must be a number of zero or more for "numeric"',
    ]);
    expect(problemsOf(() => acceptChoice({ equivalence: 'numeric', tolerance: -1 }))).toHaveLength(1);
    expect(problemsOf(() => acceptChoice({ equivalence: 'path' }))).toEqual([
      'equivalence must be one of exact, ignore-case, numeric, instant, ignore-member',
    ]);
  });
});
