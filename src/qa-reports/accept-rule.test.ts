import { describe, expect, it } from '@jest/globals';
import { REDACTED } from '../shadow/redact-values.ts';
import { acceptedDifferencesFor } from './accept-rule.ts';
import { BadRequestError } from './bad-request-error.ts';

const paths = [{ path: '$.Items[*].Position', kind: 'changed' }];
const seen = (legacy: unknown, candidate: unknown) => [
  { path: '$.Items[3].Position', kind: 'changed', legacy, new: candidate },
];

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof BadRequestError) return error.problems;
    throw error;
  }
  return [];
}

describe('the rule an accepted group becomes', () => {
  it('takes the exact pair from the newest sample, its array positions collapsed', () => {
    expect(
      acceptedDifferencesFor(paths, seen('centre back', 'Centre Back'), { equivalence: 'exact' }),
    ).toEqual([
      {
        path: '$.Items[*].Position',
        kind: 'changed',
        equivalence: 'exact',
        legacy: 'centre back',
        new: 'Centre Back',
      },
    ]);
  });

  it('is refused when it would not make its own sample equal, when no sample shows the values, or when they are masked', () => {
    expect(
      problemsOf(() =>
        acceptedDifferencesFor(paths, seen('ZZZ', 'Centre Back'), { equivalence: 'ignore-case' }),
      ),
    ).toEqual([
      '"equal ignoring case" does not hold at $.Items[*].Position: legacy "ZZZ", new "Centre Back"',
    ]);
    expect(problemsOf(() => acceptedDifferencesFor(paths, undefined, { equivalence: 'exact' }))).toEqual([
      'no sample shows the values at $.Items[*].Position: accept it as "ignore this member"',
    ]);
    expect(
      problemsOf(() => acceptedDifferencesFor(paths, seen(REDACTED, REDACTED), { equivalence: 'exact' })),
    ).toEqual(['the values at $.Items[*].Position are personal data and not kept: choose another rule']);
  });

  it('ignoring the member needs no sample', () => {
    expect(acceptedDifferencesFor(paths, undefined, { equivalence: 'ignore-member' })).toEqual([
      { path: '$.Items[*].Position', kind: 'changed', equivalence: 'ignore-member' },
    ]);
  });
});
