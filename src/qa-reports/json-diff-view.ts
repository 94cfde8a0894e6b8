import { markup, type SafeHtml } from './html.ts';
import { jsonLines, type JsonLine, type JsonMarks } from './json-view.ts';

type RowKind = 'same' | 'changed' | 'noise' | 'removed' | 'added';

interface Row {
  readonly kind: RowKind;
  readonly legacy: { readonly n: number; readonly line: JsonLine } | undefined;
  readonly new: { readonly n: number; readonly line: JsonLine } | undefined;
}

/*
 * Above this many line pairs the alignment (a longest common subsequence, quadratic in time and
 * memory) is not attempted and the lines are paired by number instead: a huge body still shows.
 */
const ALIGN_LIMIT = 4_000_000;

/**
 * Both bodies pretty-printed in two columns, equal lines side by side and lines only one side has
 * against a blank, as a line diff shows them. Lines that differ are highlighted as a row; the
 * members the comparison found differing (or noisy) are marked inside them (json-view.ts).
 */
export function jsonDiffView(legacy: unknown, candidate: unknown, marks: JsonMarks): SafeHtml {
  const rows = alignLines(linesOf(legacy, marks), linesOf(candidate, marks));
  return markup`<table class="json-diff">
      <caption class="visually-hidden">Response bodies, legacy on the left and new on the right</caption>
      <thead>
        <tr>
          <th scope="col" class="ln"><span class="visually-hidden">Legacy line</span></th>
          <th scope="col">Legacy body</th>
          <th scope="col" class="ln"><span class="visually-hidden">New line</span></th>
          <th scope="col">New body</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (r) => markup`<tr class="line-${r.kind}">
            <td class="ln">${r.legacy?.n ?? ''}</td><td class="legacy">${r.legacy?.line.html ?? ''}</td>
            <td class="ln">${r.new?.n ?? ''}</td><td class="new">${r.new?.line.html ?? ''}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
}

/** A body that is not JSON (stored as text) is shown line by line, as it came. */
function linesOf(body: unknown, marks: JsonMarks): JsonLine[] {
  if (body === undefined || body === null || body === '') return [];
  if (typeof body === 'string') {
    return body.split('\n').map((text) => ({ text, html: markup`${text}`, mark: undefined }));
  }
  return jsonLines(body, marks);
}

/** The alignment key: a member gaining a successor gains a comma, which is no difference. */
const keyOf = (line: JsonLine): string => line.text.replace(/,$/, '');

function alignLines(left: readonly JsonLine[], right: readonly JsonLine[]): Row[] {
  const pairs = left.length * right.length > ALIGN_LIMIT ? byNumber(left, right) : commonLines(left, right);
  const rows: Row[] = [];
  let i = 0;
  let j = 0;
  for (const [pi, pj] of [...pairs, [left.length, right.length] as const]) {
    // Between two equal lines, the lines only one side has: paired up as changed, the rest alone.
    while (i < pi || j < pj) {
      const l = i < pi ? { n: i + 1, line: left[i] as JsonLine } : undefined;
      const r = j < pj ? { n: j + 1, line: right[j] as JsonLine } : undefined;
      rows.push({ kind: unmatchedKind(l?.line, r?.line), legacy: l, new: r });
      if (l !== undefined) i++;
      if (r !== undefined) j++;
    }
    if (pi < left.length && pj < right.length) {
      rows.push({
        kind: 'same',
        legacy: { n: pi + 1, line: left[pi] as JsonLine },
        new: { n: pj + 1, line: right[pj] as JsonLine },
      });
      i = pi + 1;
      j = pj + 1;
    }
  }
  return rows;
}

/** A line pair that differs only in learned noise (both sides noisy) is shown as noise, not as a change. */
function unmatchedKind(legacy: JsonLine | undefined, candidate: JsonLine | undefined): RowKind {
  if (legacy === undefined) return 'added';
  if (candidate === undefined) return 'removed';
  return legacy.mark === 'noise' && candidate.mark === 'noise' ? 'noise' : 'changed';
}

/** Index pairs of equal lines: a longest common subsequence of the two keyed line lists. */
function commonLines(left: readonly JsonLine[], right: readonly JsonLine[]): [number, number][] {
  const a = left.map(keyOf);
  const b = right.map(keyOf);
  const width = b.length + 1;
  const lengths = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i * width + j] =
        a[i] === b[j]
          ? (lengths[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(lengths[(i + 1) * width + j] ?? 0, lengths[i * width + j + 1] ?? 0);
    }
  }
  const pairs: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) pairs.push([i++, j++]);
    else if ((lengths[(i + 1) * width + j] ?? 0) >= (lengths[i * width + j + 1] ?? 0)) i++;
    else j++;
  }
  return pairs;
}

function byNumber(left: readonly JsonLine[], right: readonly JsonLine[]): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (keyOf(left[i] as JsonLine) === keyOf(right[i] as JsonLine)) pairs.push([i, i]);
  }
  return pairs;
}
