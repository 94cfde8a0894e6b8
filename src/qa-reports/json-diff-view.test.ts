import { describe, expect, it } from '@jest/globals';
import { jsonDiffView } from './json-diff-view.ts';

const none = { diff: new Set<string>(), noise: new Set<string>() };

/** Each row as `kind | legacy text | new text`, tags stripped and entities read back. */
function rows(html: string): string[] {
  const text = (cell: string) =>
    cell
      .replace(/<[^>]+>/g, '')
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  return [...html.matchAll(/<tr class="line-(\w+)">([\s\S]*?)<\/tr>/g)].map(([, kind, row]) => {
    const cells = [...(row ?? '').matchAll(/<td class="(?:legacy|new)">([\s\S]*?)<\/td>/g)];
    return `${kind} | ${text(cells[0]?.[1] ?? '')} | ${text(cells[1]?.[1] ?? '')}`;
  });
}

describe('side-by-side JSON diff', () => {
  it('aligns equal lines and sets a line only one side has against a blank', () => {
    const html = jsonDiffView({ items: [1], total: 1 }, { items: [1, 2], total: 2 }, none).value;
    expect(rows(html)).toEqual([
      'same | { | {',
      'same |   "items": [ |   "items": [',
      'same |     1 |     1,',
      'added |  |     2',
      'same |   ], |   ],',
      'changed |   "total": 1 |   "total": 2',
      'same | } | }',
    ]);
  });

  it('marks the differing members inside the lines and shows noise-only lines as noise', () => {
    const html = jsonDiffView(
      { score: 7.5, traceId: 'a' },
      { score: 7.4, traceId: 'b' },
      { diff: new Set(['$.score']), noise: new Set(['$.traceId']) },
    ).value;
    expect(html).toContain('<span class="mark-diff" data-path="$.score"');
    expect(rows(html)).toEqual([
      'same | { | {',
      'changed |   "score": 7.5, |   "score": 7.4,',
      'noise |   "traceId": "a" |   "traceId": "b"',
      'same | } | }',
    ]);
  });

  it('escapes both bodies, JSON or text', () => {
    const html = jsonDiffView({ '<k>': '<script>x</script>' }, '<img src=x>\nline two', none).value;
    expect(html).not.toMatch(/<script|<img|<k>/);
    expect(html).toContain('&lt;img src=x&gt;');
    expect(rows(html)).toContain('removed | } | ');
  });
});
