import { describe, expect, it } from '@jest/globals';
import { escapeHtml, markup } from './html.ts';
import { jsonView, normalisePath } from './json-view.ts';

describe('markup escaping', () => {
  it('escapes every interpolated value, including quotes and backticks that could break out of attributes', () => {
    const hostile = `"><script>alert('x')</script>\``;
    expect(markup`<a title="${hostile}">${hostile}</a>`.value).toBe(
      '<a title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#96;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#96;</a>',
    );
  });

  it('passes nested markup through once and escapes strings inside arrays', () => {
    const inner = markup`<b>${'<i>'}</b>`;
    expect(markup`<p>${[inner, '<u>']}</p>`.value).toBe('<p><b>&lt;i&gt;</b>&lt;u&gt;</p>');
  });

  it('does not treat an object that only looks like markup as safe', () => {
    expect(markup`${{ value: '<script>' }}`.value).toBe('[object Object]');
    expect(escapeHtml(null)).toBe('');
  });
});

describe('JSON view', () => {
  it('pretty-prints with indentation and marks differing and noise paths', () => {
    const out = jsonView(
      { items: [{ score: 1, id: 'x' }], traceId: 't' },
      { diff: new Set(['$.items[0].score']), noise: new Set(['$.traceId']) },
    ).value;
    expect(out).toContain('\n    {\n      <span class="mark-diff" data-path="$.items[0].score"');
    expect(out).toContain('<span class="mark-noise" data-path="$.traceId"');
    expect(out).not.toContain('data-path="$.items[0].id"');
  });

  it('marks every element for a keyed set-array path and escapes hostile keys and values', () => {
    const out = jsonView(
      { items: [{ Score: 1 }, { Score: 2 }], '<k>': '<v>' },
      { diff: new Set(['$.items[Id=7].Score']), noise: new Set() },
    ).value;
    expect(out.match(/mark-diff/g)).toHaveLength(2);
    expect(out).toContain('&quot;&lt;k&gt;&quot;');
    expect(out).not.toContain('<v>');
  });

  it('reads JSON Pointer and bare paths as the engine notation', () => {
    expect(normalisePath('/items/0/a~1b')).toBe("$.items[0]['a/b']");
    expect(normalisePath('items[0].score')).toBe('$.items[0].score');
  });
});
