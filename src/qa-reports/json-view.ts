import { collapseFormattedPath, formatKey } from '../shadow/compare/json-path.ts';
import { markup, type SafeHtml } from './html.ts';

/**
 * Pretty-prints a JSON value as HTML, marking the nodes at differing paths and at noise paths so the
 * sample page can highlight them. Paths use the comparison engine's notation (src/shadow/compare/
 * json-path.ts): `$`, `.name` for identifier keys, `['odd key']` otherwise, `[3]` for indexes. A
 * `[*]` or a keyed set element (`[Id=42]`) in a difference's path matches every index there.
 */
export function jsonView(
  value: unknown,
  marks: { readonly diff: ReadonlySet<string>; readonly noise: ReadonlySet<string> },
): SafeHtml {
  const diff = expand(marks.diff);
  const noise = expand(marks.noise);
  return markup`<pre class="json">${node(value, '$', 0, diff, noise)}</pre>`;
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

function classFor(path: string, diff: ReadonlySet<string>, noise: ReadonlySet<string>): string | undefined {
  if (diff.has(path) || diff.has(collapseFormattedPath(path))) return 'mark-diff';
  if (noise.has(path) || noise.has(collapseFormattedPath(path))) return 'mark-noise';
  return undefined;
}

function wrap(content: SafeHtml, path: string, cls: string | undefined): SafeHtml {
  return cls === undefined
    ? content
    : markup`<span class="${cls}" data-path="${path}" title="${path}">${content}</span>`;
}

/** Line breaks go in as values: a formatter reflowing the template text cannot change the output. */
const NL = '\n';

function node(
  value: unknown,
  path: string,
  depth: number,
  diff: ReadonlySet<string>,
  noise: ReadonlySet<string>,
  markedByKey = false,
): SafeHtml {
  // Under an object key the key's wrapper carries the mark, so key and value highlight together.
  const cls = markedByKey ? undefined : classFor(path, diff, noise);
  const indent = '  '.repeat(depth + 1);
  const closing = '  '.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return wrap(markup`[]`, path, cls);
    const items = value.map((v, i) => [
      indent,
      node(v, childPath(path, i), depth + 1, diff, noise),
      i < value.length - 1 ? ',' : '',
      NL,
    ]);
    return wrap(markup`[${NL}${items}${closing}]`, path, cls);
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return wrap(markup`{}`, path, cls);
    const items = entries.map(([k, v], i) => {
      const p = childPath(path, k);
      const keyCls = classFor(p, diff, noise);
      const rendered = markup`<span class="json-key">${JSON.stringify(k)}</span>: ${node(v, p, depth + 1, diff, noise, true)}`;
      return [indent, wrap(rendered, p, keyCls), i < entries.length - 1 ? ',' : '', NL];
    });
    return wrap(markup`{${NL}${items}${closing}}`, path, cls);
  }
  const literal = value === undefined ? 'undefined' : JSON.stringify(value);
  const kind = typeof value === 'string' ? 'json-string' : value === null ? 'json-null' : 'json-literal';
  return wrap(markup`<span class="${kind}">${literal}</span>`, path, cls);
}
