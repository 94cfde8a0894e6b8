import { markup, type SafeHtml } from './html.ts';
import { timestamp } from './layout-page.ts';
import type { MatchRatePoint } from './report-store.ts';

interface Geometry {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

const FULL: Geometry = { width: 600, height: 160, left: 40, right: 10, top: 10, bottom: 24 };
const SPARKLINE: Geometry = { width: 160, height: 32, left: 2, right: 2, top: 3, bottom: 3 };

/**
 * Match rate over time as inline SVG, drawn on the server so the page needs no script and no CDN.
 * Buckets with no comparison break the line instead of pretending 0% or 100%. `compact` draws a
 * sparkline for the overview table (no axes, same data).
 */
export function matchRateChart(
  points: readonly MatchRatePoint[],
  label: string,
  options: { readonly compact?: boolean } = {},
): SafeHtml {
  const g = options.compact === true ? SPARKLINE : FULL;
  const plotW = g.width - g.left - g.right;
  const plotH = g.height - g.top - g.bottom;
  const n = points.length;
  const x = (i: number): string => (g.left + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1))).toFixed(1);
  const y = (rate: number): string => (g.top + (1 - rate) * plotH).toFixed(1);

  const segments: { x: string; y: string }[][] = [];
  let current: { x: string; y: string }[] = [];
  points.forEach((p, i) => {
    if (p.matchRate === null) {
      if (current.length > 0) segments.push(current);
      current = [];
      return;
    }
    current.push({ x: x(i), y: y(p.matchRate) });
  });
  if (current.length > 0) segments.push(current);

  // A dot on every bucket of the full chart (alone, a bucket between two empty ones would not show).
  const lines = segments.map(
    (seg) =>
      markup`${seg.length === 1 ? '' : markup`<polyline class="chart-line" points="${seg.map((p) => `${p.x},${p.y}`).join(' ')}"></polyline>`}${
        seg.length === 1 || options.compact !== true
          ? seg.map((p) => markup`<circle class="chart-dot" cx="${p.x}" cy="${p.y}" r="2.5"></circle>`)
          : ''
      }`,
  );
  const grid = [0, 0.5, 1].map(
    (r) =>
      markup`<line class="chart-grid" x1="${g.left}" x2="${g.width - g.right}" y1="${y(r)}" y2="${y(r)}"></line>${
        options.compact === true
          ? ''
          : markup`<text class="chart-axis" x="${g.left - 4}" y="${Number(y(r)) + 4}" text-anchor="end">${Math.round(r * 100)}%</text>`
      }`,
  );
  const first = points[0];
  const last = points[n - 1];
  const axis =
    options.compact !== true && first !== undefined && last !== undefined
      ? markup`<text class="chart-axis" x="${g.left}" y="${g.height - 6}">${timestamp(first.at)}</text><text class="chart-axis" x="${g.width - g.right}" y="${g.height - 6}" text-anchor="end">${timestamp(last.at)}</text>`
      : '';
  const empty =
    segments.length === 0 && options.compact !== true
      ? markup`<text class="chart-axis" x="${g.width / 2}" y="${g.height / 2}" text-anchor="middle">no comparisons in this window</text>`
      : '';
  return markup`<svg class="chart${options.compact === true ? ' sparkline' : ''}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${g.width} ${g.height}" width="${g.width}" height="${g.height}" role="img" aria-label="${label}"><title>${label}</title>${grid}${lines}${axis}${empty}</svg>`;
}
