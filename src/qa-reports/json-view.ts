import { collapseFormattedPath, formatKey } from '../shadow/compare/json-path.ts';
import { markup, type SafeHtml } from './html.ts';

/** Paths to highlight: the sample's differences and its learned noise, in any notation normalisePath reads. */
export interface JsonMarks {
  readonly diff: ReadonlySet<string>;
  readonly noise: ReadonlySet<string>;
}

/** One pretty-printed line: `text` is what it says (the side-by-side diff aligns on it), `html` how it shows. */
export interface JsonLine {
  readonly text: string;
  readonly html: SafeHtml;
  /** Whether the line shows a differing or noisy node, or lies inside one. */
  readonly mark: Mark;
}

export type Mark = 'diff' | 'noise' | undefined;

/**
 * Pretty-prints a JSON value as HTML, marking the nodes at differing paths and at noise paths so the
 * sample page can highlight them. Paths use the comparison engine's notation (src/shadow/compare/
 * json-path.ts): `$`, `.name` for identifier keys, `['odd key']` otherwise, `[3]` for indexes. A
 * `[*]` or a keyed set element (`[Id=42]`) in a difference's path matches every index there.
 */
export function jsonView(value: unknown, marks: JsonMarks): SafeHtml {
  const lines = jsonLines(value, marks);
  return markup`<pre class="json">${lines.map((l, i) => [i === 0 ? '' : NL, l.html])}</pre>`;
}

/** The same pretty-printing, one entry per line, for views that lay lines out themselves. */
export function jsonLines(value: unknown, marks: JsonMarks): JsonLine[] {
  const printer = { diff: expand(marks.diff), noise: expand(marks.noise), out: [] as JsonLine[] };
  print(printer, value, { path: '$', depth: 0, key: undefined, comma: false, within: undefined });
  return printer.out;
}

function childPath(parent: string, key: string | number): string {
  return typeof key === 'number' ? `${parent}[${key}]` : `${parent}${formatKey(key)}`;
}

/** Paths as the pages know them, plus the same with every index collapsed, so both notations match. */
function expand(paths: ReadonlySet<string>): ReadonlySet<string> {
  const out = new Set<string>();
  for (const p of paths) out.add(normalisePath(p).replace(/\[[^\]'=]+=[^\]]*\]/g, '[*]'));
  return out;
}

/** Accepts `$.a[0].b`, `a[0].b`, `/a/0/b` (JSON Pointer) and returns the `$.a[0].b` form. */
export function normalisePath(path: string): string {
  if (path.startsWith('$')) return path;
  if (path === '' || path === '/') return '$';
  if (path.startsWith('/')) {
    return path
      .slice(1)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((acc, seg) => childPath(acc, /^\d+$/.test(seg) ? Number(seg) : seg), '$');
  }
  return path.startsWith('[') ? `$${path}` : `$.${path}`;
}

interface Printer {
  readonly diff: ReadonlySet<string>;
  readonly noise: ReadonlySet<string>;
  readonly out: JsonLine[];
}

interface Place {
  readonly path: string;
  readonly depth: number;
  /** The member's key when the value sits in an object. */
  readonly key: string | undefined;
  readonly comma: boolean;
  /** The mark of an enclosing node: every line inside a marked container is highlighted too. */
  readonly within: Mark;
}

function markOf(printer: Printer, path: string): Mark {
  const collapsed = collapseFormattedPath(path);
  if (printer.diff.has(path) || printer.diff.has(collapsed)) return 'diff';
  if (printer.noise.has(path) || printer.noise.has(collapsed)) return 'noise';
  return undefined;
}

/** Line breaks go in as values: a formatter reflowing the template text cannot change the output. */
const NL = '\n';

function line(printer: Printer, place: Place, own: Mark, content: SafeHtml, text: string, end: string): void {
  const indent = '  '.repeat(place.depth);
  const comma = place.comma ? ',' : '';
  const keyText = place.key === undefined ? '' : `${JSON.stringify(place.key)}: `;
  const keyHtml =
    place.key === undefined ? '' : markup`<span class="json-key">${JSON.stringify(place.key)}</span>: `;
  const body = markup`${keyHtml}${content}${end}`;
  const html =
    own !== undefined
      ? markup`<span class="mark-${own}" data-path="${place.path}" title="${place.path}">${body}</span>`
      : place.within !== undefined
        ? markup`<span class="within-${place.within}">${body}</span>`
        : body;
  printer.out.push({
    text: `${indent}${keyText}${text}${end}`,
    html: markup`${indent}${html}${comma}`,
    mark: own ?? place.within,
  });
}

function print(printer: Printer, value: unknown, place: Place): void {
  const own = markOf(printer, place.path);
  if (typeof value !== 'object' || value === null) {
    const literal = value === undefined ? 'undefined' : JSON.stringify(value);
    const kind = typeof value === 'string' ? 'json-string' : value === null ? 'json-null' : 'json-literal';
    line(printer, place, own, markup`<span class="${kind}">${literal}</span>`, literal, '');
    return;
  }
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value as Record<string, unknown>);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) {
    line(printer, place, own, markup``, '', `${open}${close}`);
    return;
  }
  line(printer, { ...place, comma: false }, own, markup``, '', open);
  const within = own ?? place.within;
  entries.forEach(([k, v], i) =>
    print(printer, v, {
      path: childPath(place.path, k),
      depth: place.depth + 1,
      key: typeof k === 'string' ? k : undefined,
      comma: i < entries.length - 1,
      within,
    }),
  );
  // The closing line belongs to the node too: highlighted with it, without a second data-path.
  line(printer, { ...place, key: undefined, within }, undefined, markup``, '', close);
}

/** A JSON value as a body has it, on one line; an absent member says so. */
export function shownValue(value: unknown): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}
