import { describe, expect, it } from '@jest/globals';
import type { CapturedResponse } from '../captured-exchange.ts';
import { compareExchanges } from './compare-exchanges.ts';
import { instantOf } from './instants.ts';
import { markNonCanonicalNumbers } from './number-literals.ts';
import { collapseFormattedPath } from './json-path.ts';
import { CompareRulesError, compileCompareRules, type CompareRules } from './compare-rules.ts';

function json(value: unknown, status = 200, headers: Record<string, string> = {}): CapturedResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  };
}

function diffs(legacy: unknown, candidate: unknown, rules?: CompareRules) {
  return compareExchanges(json(legacy), json(candidate), rules).differences;
}

describe('compareExchanges: status, headers and bodies', () => {
  it('finds identical responses equal and gives them no fingerprint', () => {
    const result = compareExchanges(json({ a: 1 }), json({ a: 1 }));
    expect(result).toEqual({ equal: true, differences: [], fingerprint: undefined, truncated: false });
  });

  it('treats JSON that differs only in whitespace and member order as equal by default', () => {
    expect(diffs('{"a":1,"b":[1,2]}', '{ "b": [1, 2], "a": 1 }')).toEqual([]);
  });

  it('reports a different status code', () => {
    const result = compareExchanges(json({}, 200), json({}, 404));
    expect(result.differences).toEqual([{ path: 'status', kind: 'changed', legacy: 200, new: 404 }]);
    expect(result.equal).toBe(false);
  });

  it('compares content-type by media type, ignoring case and spacing of parameters', () => {
    const a = json({}, 200, { 'content-type': 'application/json; charset=utf-8' });
    const b = json({}, 200, { 'content-type': 'application/json;charset=UTF-8' });
    expect(compareExchanges(a, b).equal).toBe(true);
    const c = json({}, 200, { 'content-type': 'application/problem+json' });
    expect(compareExchanges(a, c).differences).toEqual([
      {
        path: 'headers.content-type',
        kind: 'changed',
        legacy: 'application/json; charset=utf-8',
        new: 'application/problem+json',
      },
    ]);
  });

  it('compares only the configured headers, reporting a header one side lacks', () => {
    const a = json({}, 200, { etag: '"1"', 'x-trace': 'a' });
    const b = json({}, 200, { 'x-trace': 'b' });
    expect(compareExchanges(a, b).equal).toBe(true);
    expect(compareExchanges(a, b, { headers: ['ETag'] }).differences).toEqual([
      { path: 'headers.etag', kind: 'missing', legacy: '"1"', new: undefined },
    ]);
    expect(compareExchanges(b, a, { headers: ['etag'] }).differences).toEqual([
      { path: 'headers.etag', kind: 'added', legacy: undefined, new: '"1"' },
    ]);
  });

  it('compares non-JSON bodies by SHA-256', () => {
    const html = (s: string): CapturedResponse => ({
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: Buffer.from(s),
    });
    expect(compareExchanges(html('<p>x</p>'), html('<p>x</p>')).equal).toBe(true);
    const [difference] = compareExchanges(html('<p>x</p>'), html('<p>y</p>')).differences;
    expect(difference?.path).toBe('body');
    expect(difference?.kind).toBe('changed');
    expect(String(difference?.legacy)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(difference?.legacy).not.toBe(difference?.new);
  });

  it('reports a JSON body replaced by an HTML error page as a type difference', () => {
    const page: CapturedResponse = {
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: Buffer.from('<h1>'),
    };
    const [difference] = compareExchanges(json({ a: 1 }), page).differences.filter((d) => d.path === 'body');
    expect(difference?.kind).toBe('type');
    expect(difference?.legacy).toEqual({ a: 1 });
  });
});

describe('compareExchanges: structural JSON diff', () => {
  it('names each changed, missing, added and retyped field by its path', () => {
    const legacy = { Id: 1, Name: 'a', Items: [{ Score: 1.5 }, { Score: 2 }], Gone: true, Nested: { X: 1 } };
    const candidate = {
      Id: '1',
      Name: 'b',
      Items: [{ Score: 1.5 }, { Score: 3 }],
      Nested: { X: 1, Y: null },
    };
    expect(diffs(legacy, candidate)).toEqual([
      { path: '$.Id', kind: 'type', legacy: 1, new: '1' },
      { path: '$.Name', kind: 'changed', legacy: 'a', new: 'b' },
      { path: '$.Items[1].Score', kind: 'changed', legacy: 2, new: 3 },
      { path: '$.Gone', kind: 'missing', legacy: true, new: undefined },
      { path: '$.Nested.Y', kind: 'added', legacy: undefined, new: null },
    ]);
  });

  it('reports extra and missing array elements by position', () => {
    expect(diffs([1, 2, 3], [1, 2])).toEqual([{ path: '$[2]', kind: 'missing', legacy: 3, new: undefined }]);
    expect(diffs([1], [1, 5])).toEqual([{ path: '$[1]', kind: 'added', legacy: undefined, new: 5 }]);
  });

  it('treats null versus a value as a type difference', () => {
    expect(diffs({ a: null }, { a: 0 })).toEqual([{ path: '$.a', kind: 'type', legacy: null, new: 0 }]);
  });

  it('quotes member names that are not identifiers', () => {
    expect(diffs({ 'a b': 1 }, { 'a b': 2 })[0]?.path).toBe("$['a b']");
  });

  it('stops after maxDifferences and says the list is truncated', () => {
    const legacy = Array.from({ length: 500 }, (_, i) => i);
    const candidate = legacy.map((i) => i + 1);
    const result = compareExchanges(json(legacy), json(candidate), undefined, { maxDifferences: 10 });
    expect(result.differences).toHaveLength(10);
    expect(result.truncated).toBe(true);
  });
});

describe('compareExchanges: rules', () => {
  it('ignores paths with [*] wildcards and their whole subtree', () => {
    const legacy = {
      Items: [
        { Id: 1, UpdatedAt: 'x', Meta: { a: 1 } },
        { Id: 2, UpdatedAt: 'y' },
      ],
    };
    const candidate = { Items: [{ Id: 1, UpdatedAt: 'z', Meta: { a: 2 } }, { Id: 3 }] };
    expect(diffs(legacy, candidate, { ignore: ['$.Items[*].UpdatedAt', '$.Items[0].Meta'] })).toEqual([
      { path: '$.Items[1].Id', kind: 'changed', legacy: 2, new: 3 },
    ]);
  });

  it('ignores a member at any depth with the descendant operator', () => {
    const legacy = { traceId: 'a', data: { traceId: 'b', items: [{ traceId: 'c', v: 1 }] } };
    const candidate = { traceId: 'x', data: { traceId: 'y', items: [{ traceId: 'z', v: 2 }] } };
    expect(diffs(legacy, candidate, { ignore: ['$..traceId'] })).toEqual([
      { path: '$.data.items[0].v', kind: 'changed', legacy: 1, new: 2 },
    ]);
  });

  it('compares arrays as sets by key: order does not matter and elements are named by key', () => {
    const legacy = {
      Items: [
        { Id: 1, Score: 1 },
        { Id: 2, Score: 2 },
        { Id: 3, Score: 3 },
      ],
    };
    const candidate = {
      Items: [
        { Id: 3, Score: 3 },
        { Id: 1, Score: 1 },
        { Id: 2, Score: 5 },
        { Id: 4, Score: 4 },
      ],
    };
    const rules = { arraysAsSets: [{ path: '$.Items', key: 'Id' }] };
    expect(diffs(legacy, candidate, rules)).toEqual([
      { path: '$.Items[Id=2].Score', kind: 'changed', legacy: 2, new: 5 },
      { path: '$.Items[Id=4]', kind: 'added', legacy: undefined, new: { Id: 4, Score: 4 } },
    ]);
    expect(diffs({ Items: [{ Id: 1 }, { Id: 2 }] }, { Items: [{ Id: 2 }] }, rules)).toEqual([
      { path: '$.Items[Id=1]', kind: 'missing', legacy: { Id: 1 }, new: undefined },
    ]);
    // Without the rule the same reordering is a wall of positional differences.
    expect(diffs(legacy, candidate).length).toBeGreaterThan(3);
  });

  it('pairs reordered duplicates of a set key with their identical partners first', () => {
    const rules = { arraysAsSets: [{ path: '$', key: 'x' }] };
    expect(
      diffs(
        [
          { x: 1, y: 1 },
          { x: 1, y: 2 },
        ],
        [
          { x: 1, y: 2 },
          { x: 1, y: 1 },
        ],
        rules,
      ),
    ).toEqual([]);
  });

  it('writes any set key value so the path stays readable and groups by the collapsed path', () => {
    const rules = { arraysAsSets: [{ path: '$.M', key: 'Name' }] };
    const [difference] = diffs(
      { M: [{ Name: "O'Brien]", S: 1 }] },
      { M: [{ Name: "O'Brien]", S: 2 }] },
      rules,
    );
    expect(difference?.path).toBe("$.M[Name=O\\'Brien\\]].S");
    expect(collapseFormattedPath(difference?.path ?? '')).toBe('$.M[*].S');
  });

  it('names a set element without the key by a digest of its content, not by the content', () => {
    const rules = { arraysAsSets: [{ path: '$.M', key: 'Id' }] };
    const [difference] = diffs({ M: [{ Email: 'jo@example.com' }] }, { M: [] }, rules);
    expect(difference?.path).toMatch(/^\$\.M\[Id=#[0-9a-f]{12}\]$/);
    expect(difference?.path).not.toContain('jo@example.com');
  });

  it('pairs set elements whose GUID keys differ only in case', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const rules = { arraysAsSets: [{ path: '$[*].Tags', key: 'Id' }], guidCaseInsensitive: true as const };
    expect(diffs([{ Tags: [{ Id: id }] }], [{ Tags: [{ Id: id.toUpperCase() }] }], rules)).toEqual([]);
  });

  it('accepts numbers within an absolute or relative tolerance and reports the rest', () => {
    const rules = {
      numericTolerance: [
        { path: '$.Items[*].Score', absolute: 0.01 },
        { path: '$.Total', relative: 0.001 },
      ],
    };
    expect(
      diffs({ Items: [{ Score: 1.005 }], Total: 1000 }, { Items: [{ Score: 1.01 }], Total: 1000.9 }, rules),
    ).toEqual([]);
    expect(
      diffs({ Items: [{ Score: 1.0 }], Total: 1000 }, { Items: [{ Score: 1.02 }], Total: 1002 }, rules),
    ).toEqual([
      { path: '$.Items[0].Score', kind: 'changed', legacy: 1, new: 1.02 },
      { path: '$.Total', kind: 'changed', legacy: 1000, new: 1002 },
    ]);
    // Tolerance applies only where a rule says so.
    expect(diffs({ Other: 1.005 }, { Other: 1.01 }, rules)).toHaveLength(1);
  });

  it('compares GUIDs case-insensitively only when asked, and only where asked', () => {
    const lower = { Id: '0f8fad5b-d9cb-469f-a165-70867728950e', Code: 'ab' };
    const upper = { Id: '0F8FAD5B-D9CB-469F-A165-70867728950E', Code: 'AB' };
    expect(diffs(lower, upper).map((d) => d.path)).toEqual(['$.Id', '$.Code']);
    expect(diffs(lower, upper, { guidCaseInsensitive: true }).map((d) => d.path)).toEqual(['$.Code']);
    expect(diffs(lower, upper, { guidCaseInsensitive: ['$.Other'] }).map((d) => d.path)).toEqual([
      '$.Id',
      '$.Code',
    ]);
  });

  it('folds case only for strings shaped exactly like a GUID', () => {
    const near = [
      '0f8fad5bd-9cb-469f-a165-70867728950e', // dash one place off
      '0f8fad5b-d9cb-469f-a165-70867728950g', // not a hex digit
      '0f8fad5b-d9cb-469f-a165-70867728950ef', // one digit too many
      'xyzwvuts-d9cb-469f-a165-70867728950e',
    ];
    for (const value of near) {
      expect(diffs({ Id: value }, { Id: value.toUpperCase() }, { guidCaseInsensitive: true })).toHaveLength(
        1,
      );
    }
    expect(
      diffs(
        { Id: 'ABCDEF01-2345-6789-abcd-ef0123456789' },
        { Id: 'abcdef01-2345-6789-ABCD-EF0123456789' },
        { guidCaseInsensitive: true },
      ),
    ).toEqual([]);
  });

  it('treats date-times naming the same instant as equal under equivalentDates', () => {
    const rules = { equivalentDates: ['$..At'] };
    expect(
      diffs(
        { At: '2024-03-01T10:00:00Z', B: { At: '2024-03-01T10:00:00.1234567Z' } },
        { At: '2024-03-01T12:00:00.000+02:00', B: { At: '2024-03-01T10:00:00.123456700Z' } },
        rules,
      ),
    ).toEqual([]);
    expect(diffs({ At: '2024-03-01T10:00:00Z' }, { At: '2024-03-01T10:00:01Z' }, rules)).toHaveLength(1);
    // No offset is a wall-clock time: not the same instant as a UTC one.
    expect(diffs({ At: '2024-03-01T10:00:00' }, { At: '2024-03-01T10:00:00Z' }, rules)).toHaveLength(1);
    expect(diffs({ At: '2024-03-01T10:00:00Z' }, { At: '2024-03-01T12:00:00+02:00' })).toHaveLength(1);
  });

  it('accepts datetime2 ticks rounded to microseconds within a dateTolerance, and nothing further apart', () => {
    const rules = { dateTolerance: [{ path: '$..CreatedAt', nanoseconds: 500 }] };
    // Legacy wrote 100 ns ticks; the new side read the value back from PostgreSQL rounded to µs.
    expect(
      diffs(
        { CreatedAt: '2026-11-21T10:15:30.1234567' },
        { CreatedAt: '2026-11-21T10:15:30.1234570' },
        rules,
      ),
    ).toEqual([]);
    expect(
      diffs(
        { CreatedAt: '2026-11-21T10:15:30.1234565' },
        { CreatedAt: '2026-11-21T10:15:30.1234560' },
        rules,
      ),
    ).toEqual([]);
    expect(
      diffs(
        { CreatedAt: '2026-11-21T10:15:30.1234567' },
        { CreatedAt: '2026-11-21T10:15:30.1234580' },
        rules,
      ),
    ).toHaveLength(1);
    // A wall-clock time is never within tolerance of a UTC one, and other paths stay exact.
    expect(
      diffs(
        { CreatedAt: '2026-11-21T10:15:30.1234567' },
        { CreatedAt: '2026-11-21T10:15:30.1234570Z' },
        rules,
      ),
    ).toHaveLength(1);
    expect(
      diffs(
        { UpdatedAt: '2026-11-21T10:15:30.1234567' },
        { UpdatedAt: '2026-11-21T10:15:30.1234570' },
        rules,
      ),
    ).toHaveLength(1);
  });

  it('rejects a dateTolerance without a non-negative whole number of nanoseconds', () => {
    expect(() => compileCompareRules({ dateTolerance: [{ path: '$.At', nanoseconds: -1 }] })).toThrow(
      /dateTolerance\[0\]: nanoseconds must be a non-negative integer/,
    );
  });

  it('checks member order only under a keyOrder rule', () => {
    const legacy = '{"Id":1,"Name":"a","Inner":{"x":1,"y":2}}';
    const swapped = '{"Name":"a","Id":1,"Inner":{"y":2,"x":1}}';
    expect(diffs(legacy, swapped)).toEqual([]);
    expect(diffs(legacy, swapped, { keyOrder: ['$'] })).toEqual([
      { path: '$', kind: 'order', legacy: ['Id', 'Name', 'Inner'], new: ['Name', 'Id', 'Inner'] },
    ]);
    expect(diffs(legacy, swapped, { keyOrder: true }).map((d) => d.path)).toEqual(['$.Inner', '$']);
  });
});

describe('fingerprints', () => {
  it('are the same for the same fields in different array elements and different values', () => {
    const a = compareExchanges(json({ Items: [{ S: 1 }, { S: 2 }] }), json({ Items: [{ S: 1 }, { S: 3 }] }));
    const b = compareExchanges(json({ Items: [{ S: 9 }, { S: 2 }] }), json({ Items: [{ S: 8 }, { S: 2 }] }));
    expect(a.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it('differ when the kind or the location differs', () => {
    const changed = compareExchanges(json({ a: 1 }), json({ a: 2 })).fingerprint;
    const missing = compareExchanges(json({ a: 1 }), json({})).fingerprint;
    const other = compareExchanges(json({ b: 1 }), json({ b: 2 })).fingerprint;
    expect(new Set([changed, missing, other]).size).toBe(3);
  });
});

describe('compileCompareRules', () => {
  it('reports every invalid rule at once', () => {
    try {
      compileCompareRules({
        ignore: ['Items', '$.a[?(@.x)]'],
        arraysAsSets: [{ path: '$.Items' }],
        numericTolerance: [{ path: '$.a', absolute: -1 }],
      });
      throw new Error('expected a CompareRulesError');
    } catch (error: unknown) {
      expect(error).toBeInstanceOf(CompareRulesError);
      expect((error as CompareRulesError).problems).toHaveLength(4);
    }
  });

  it('reports a misspelt rule, or one that belongs to the route record, instead of ignoring it', () => {
    try {
      compileCompareRules({ redactPath: ['$..Email'], redactPathParams: ['email'] });
      throw new Error('expected a CompareRulesError');
    } catch (error: unknown) {
      expect((error as CompareRulesError).problems).toEqual([
        expect.stringMatching(/^unknown rule "redactPath" \(known: headers, ignore, .*, redactPaths\)$/),
        expect.stringMatching(/^unknown rule "redactPathParams" /),
      ]);
    }
  });
});

describe('instantOf', () => {
  it('reads .NET round-trip, JavaScript and offset forms; rejects non-dates', () => {
    expect(instantOf('2024-03-01T10:00:00.0000000Z')).toBe(instantOf('2024-03-01T10:00:00.000Z'));
    expect(instantOf('2024-03-01T05:30:00-04:30')).toBe(instantOf('2024-03-01T10:00:00Z'));
    expect(instantOf('not a date')).toBeUndefined();
    expect(instantOf('2024-03-01')).toBeUndefined();
  });

  it('takes only real calendar values, and years 0001–0099 as themselves', () => {
    expect(instantOf('2024-13-01T00:00:00Z')).toBeUndefined();
    expect(instantOf('2024-02-30T00:00:00Z')).toBeUndefined();
    expect(instantOf('2024-03-01T24:00:00Z')).toBeUndefined();
    expect(instantOf('2024-02-29T23:59:59Z')).toBeDefined();
    expect(instantOf('0050-01-01T00:00:00Z')).not.toBe(instantOf('1950-01-01T00:00:00Z'));
    expect(instantOf('0050-01-01T00:00:00Z')).toBe(`utc:${-60589296000000n * 1_000_000n}`);
    expect(diffs({ At: '2024-13-01T00:00:00Z' }, { At: '2025-01-01T00:00:00Z' })).toHaveLength(1);
  });
});

describe('bodies', () => {
  it('reads JSON after a UTF-8 byte order mark', () => {
    const withBom: CapturedResponse = {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"A":1}')]),
    };
    expect(compareExchanges(withBom, json({ A: 1 })).differences).toEqual([]);
    expect(compareExchanges(withBom, json({ A: 2 })).differences).toMatchObject([
      { path: '$.A', kind: 'changed' },
    ]);
  });
});

describe('number literals', () => {
  it('reports the same value written differently (.NET decimal scale), since clients see the text', () => {
    expect(diffs('{"Score":5.0,"Big":1e3}', '{"Score":5,"Big":1000}')).toEqual([
      { path: '$.Score', kind: 'changed', legacy: '5.0', new: '5' },
      { path: '$.Big', kind: 'changed', legacy: '1e3', new: '1000' },
    ]);
    expect(diffs('{"Score":5.0}', '{"Score":5.0}')).toEqual([]);
    expect(diffs('{"Score":5.0,"x":1}', '{"x":1,"Score":5.0}')).toEqual([]);
  });

  it('tells integers beyond double precision apart', () => {
    expect(diffs('{"Id":12345678901234567890}', '{"Id":12345678901234567891}')).toHaveLength(1);
  });

  it('compares by value only where a tolerance rule applies', () => {
    const rules = { numericTolerance: [{ path: '$.Score', absolute: 0.01 }] };
    expect(diffs('{"Score":5.0}', '{"Score":5}', rules)).toEqual([]);
  });

  it('reports plain values for literal-kept numbers inside missing or added members', () => {
    expect(diffs('{"a":{"x":5.0}}', '{}')).toEqual([
      { path: '$.a', kind: 'missing', legacy: { x: 5 }, new: undefined },
    ]);
    expect(
      diffs('[{"Id":1,"S":2.50}]', '[{"Id":1,"S":2.5}]', { arraysAsSets: [{ path: '$', key: 'Id' }] }),
    ).toEqual([{ path: '$[Id=1].S', kind: 'changed', legacy: '2.50', new: '2.5' }]);
  });

  it('marks exactly the literals JavaScript would print differently (quick check against the slow one)', () => {
    // The scanner decides most literals without String(Number(token)); over many generated literals
    // and strings full of digits and escaped quotes it must mark exactly what the plain rule marks.
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * n); // the high bits: the low ones of an LCG cycle fast
    };
    const digits = (count: number) => Array.from({ length: count }, () => String(random(10))).join('');
    const literal = () => {
      const sign = random(4) === 0 ? '-' : '';
      const int = random(5) === 0 ? '0' : `${1 + random(9)}${digits(random(18))}`;
      const fraction =
        random(2) === 0 ? '' : `.${'0'.repeat(random(3) === 0 ? random(9) : 0)}${digits(1 + random(18))}`;
      const exponent = random(8) === 0 ? `e${random(2) === 0 ? '-' : ''}${random(30)}` : '';
      return `${sign}${int}${fraction}${exponent}`;
    };
    const slow = (text: string) =>
      text.replace(/"(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*/g, (token) =>
        token.startsWith('"') || token === String(Number(token)) ? token : `"\\u0000#n:${token}"`,
      );
    for (let round = 0; round < 2000; round++) {
      const values = Array.from({ length: 6 }, () => literal());
      const text = `{"a\\"1.0":[${values.join(',')}],"s":"x\\\\","t":"2.50 \\" 3.0"}`;
      expect(markNonCanonicalNumbers(text)).toBe(slow(text));
    }
    expect(
      markNonCanonicalNumbers('[0,-0,0.000001,0.0000001,100,1.10,123456789012345,1234567890123456789]'),
    ).toBe(
      '[0,"\\u0000#n:-0",0.000001,"\\u0000#n:0.0000001",100,"\\u0000#n:1.10",123456789012345,"\\u0000#n:1234567890123456789"]',
    );
  });
});

describe('hostile bodies', () => {
  it('compares bodies nested deeper than the walk goes without overflowing the stack', () => {
    const deep = (leaf: string) => `${'['.repeat(50_000)}"${leaf}"${']'.repeat(50_000)}`;
    expect(diffs(deep('a'), deep('a').replace('[[', '[ ['))).toEqual([]);
    const [difference] = diffs(deep('a'), deep('b'));
    expect(difference?.kind).toBe('changed');
    expect(difference?.legacy).toMatch(/nested deeper than/);
  });
});
