import {
  unacceptedDifferences,
  type AcceptedDifference,
  type AcceptedDifferences,
} from './accepted-differences.ts';
import { compareExchanges } from './compare/compare-exchanges.ts';
import type { CompareRules } from './compare/compare-rules.ts';
import { fingerprintOf } from './compare/fingerprint.ts';
import type { CapturedResponse } from './captured-exchange.ts';
import { groupPaths } from './shadow-runner.ts';

const json = (body: unknown, contentType = 'application/json; charset=utf-8'): CapturedResponse => ({
  status: 200,
  headers: { 'content-type': contentType },
  body: Buffer.from(JSON.stringify(body)),
});

const ORDERED: CompareRules = { keyOrder: true };

/** What QA accepts: the group a first comparison lands in. */
function acceptGroupOf(
  legacy: CapturedResponse,
  candidate: CapturedResponse,
  rules = ORDERED,
): AcceptedDifferences {
  const { differences } = compareExchanges(legacy, candidate, rules);
  return { differences: groupPaths(differences), fingerprints: [fingerprintOf(differences)] };
}

function remaining(accepted: AcceptedDifferences, legacy: CapturedResponse, candidate: CapturedResponse) {
  return unacceptedDifferences(accepted, compareExchanges(legacy, candidate, ORDERED).differences).map(
    (d) => `${d.kind} ${d.path}`,
  );
}

describe('unacceptedDifferences', () => {
  it('accepting member order at the root does not hide a later value difference', () => {
    const accepted = acceptGroupOf(json({ A: 1, B: 2 }), json({ B: 2, A: 1 }));
    expect(accepted.differences).toEqual([{ path: '$', kind: 'order' }]);
    expect(remaining(accepted, json({ A: 1, B: 2 }), json({ B: 2, A: 1 }))).toEqual([]);
    expect(remaining(accepted, json({ A: 1, B: 2, Score: 3.8 }), json({ A: 999, B: 2, Score: 3.9 }))).toEqual(
      ['changed $.A', 'changed $.Score'],
    );
  });

  it('accepting member order in list items does not hide their values', () => {
    const accepted = acceptGroupOf(json([{ A: 1, B: 2 }]), json([{ B: 2, A: 1 }]));
    expect(accepted.differences).toEqual([{ path: '$[*]', kind: 'order' }]);
    expect(
      remaining(
        accepted,
        json([
          { A: 1, B: 2 },
          { A: 3, B: 4 },
        ]),
        json([
          { B: 2, A: 1 },
          { B: 5, A: 3 },
        ]),
      ),
    ).toEqual(['changed $[1].B']);
  });

  it('a group with a header and a body difference is accepted whole, and each part on its own', () => {
    const legacy = json({ A: 1, B: 2 });
    const candidate = json({ A: 1, B: 3 }, 'application/json');
    const accepted = acceptGroupOf(legacy, candidate);
    expect(accepted.differences.map((d) => `${d.kind} ${d.path}`)).toEqual([
      'changed $.B',
      'changed headers.content-type',
    ]);
    expect(remaining(accepted, legacy, candidate)).toEqual([]);
    // Only the header differs now: still accepted, not a new group.
    expect(remaining(accepted, legacy, json({ A: 1, B: 2 }, 'application/json'))).toEqual([]);
    // A new difference next to an accepted one is grouped by the new one alone.
    expect(remaining(accepted, legacy, json({ A: 7, B: 3 }, 'application/json'))).toEqual(['changed $.A']);
  });

  it('matches array positions through their collapsed form, and the kind must match too', () => {
    const accepted: AcceptedDifferences = {
      differences: [{ path: '$.Items[*].Score', kind: 'changed' }],
      fingerprints: [],
    };
    const items = (...scores: unknown[]) => json({ Items: scores.map((Score) => ({ Score })) });
    expect(remaining(accepted, items(1, 2), items(1, 5))).toEqual([]);
    expect(remaining(accepted, items(1, 2), items(1, '2'))).toEqual(['type $.Items[1].Score']);
  });

  it('a rule known only by its fingerprint matches that exact set of differences', () => {
    const legacy = json({ A: 1, B: 2 });
    const { fingerprints } = acceptGroupOf(legacy, json({ A: 2, B: 3 }));
    const byFingerprint: AcceptedDifferences = { differences: [], fingerprints };
    expect(remaining(byFingerprint, legacy, json({ A: 2, B: 3 }))).toEqual([]);
    expect(remaining(byFingerprint, legacy, json({ A: 2, B: 2 }))).toEqual(['changed $.A']);
  });

  it('leaves everything when nothing is accepted', () => {
    const differences = compareExchanges(json({ A: 1 }), json({ A: 2 }), ORDERED).differences;
    expect(unacceptedDifferences(undefined, differences)).toBe(differences);
  });
});

describe('an accepted difference with a rule accepts only the values its rule makes equal', () => {
  const at = (equivalence: AcceptedDifference['equivalence'], extra: Partial<AcceptedDifference> = {}) => ({
    differences: [{ path: '$.Items[*].V', kind: 'changed', equivalence, ...extra }],
    fingerprints: [],
  });
  const left = (accepted: AcceptedDifferences, l: unknown, n: unknown) =>
    remaining(accepted, json({ Items: [{ V: l }] }), json({ Items: [{ V: n }] }));

  it('exact: that legacy/new pair and no other', () => {
    const accepted = at('exact', { legacy: 'centre back', new: 'Centre Back' });
    expect(left(accepted, 'centre back', 'Centre Back')).toEqual([]);
    expect(left(accepted, 'ZZZ', 'Centre Back')).toEqual(['changed $.Items[0].V']);
  });

  it('equal ignoring case', () => {
    expect(left(at('ignore-case'), 'centre back', 'Centre Back')).toEqual([]);
    expect(left(at('ignore-case'), 'ZZZ', 'Centre Back')).toEqual(['changed $.Items[0].V']);
  });

  it('equal as numbers within a tolerance, number texts included', () => {
    const accepted = at('numeric', { tolerance: 0.01 });
    expect(left(accepted, 2.34, 2.35)).toEqual([]);
    expect(
      remaining(accepted, json({ Items: [{ V: 5 }] }), {
        ...json({}),
        body: Buffer.from('{"Items":[{"V":5.0}]}'),
      }),
    ).toEqual([]);
    expect(left(accepted, 2.34, 2.4)).toEqual(['changed $.Items[0].V']);
  });

  it('equal as instants', () => {
    expect(left(at('instant'), '2026-01-01T10:00:00Z', '2026-01-01T12:00:00+02:00')).toEqual([]);
    expect(left(at('instant'), '2026-01-01T10:00:00Z', '2026-01-01T10:00:01Z')).toEqual([
      'changed $.Items[0].V',
    ]);
  });

  it('ignore this member: any value of that kind there, but not another kind', () => {
    expect(left(at('ignore-member'), 1, 2)).toEqual([]);
    expect(left(at('ignore-member'), 1, 'x')).toEqual(['type $.Items[0].V']);
  });
});
