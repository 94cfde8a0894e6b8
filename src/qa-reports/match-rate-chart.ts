import { markup, type SafeHtml } from './html.ts';
import type { MatchRatePoint } from './report-store.ts';

const WIDTH = 600;
const HEIGHT = 160;
const PAD_LEFT = 40;
const PAD_RIGHT = 10;
const PAD_TOP = 10;
const PAD_BOTTOM = 24;

/**
 * Match rate over time as inline SVG, drawn on the server so the page needs no script and no CDN.
 * Buckets with no comparison break the line instead of pretending 0% or 100%.
 */
export function matchRateChart(points: readonly MatchRatePoint[], label: string): SafeHtml {
  const plotW = WIDTH - PAD_LEFT - PAD_RIGHT;
  const plotH = HEIGHT - PAD_TOP - PAD_BOTTOM;
  const n = points.length;
  const x = (i: number): number => PAD_LEFT + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const y = (rate: number): number => PAD_TOP + (1 - rate) * plotH;
  const segments: string[][] = [];
  let current: string[] = [];
  points.forEach((p, i) => {
    if (p.matchRate === null) {
      if (current.length > 0) segments.push(current);
      current = [];
      return;
    }
    current.push(`${x(i).toFixed(1)},${y(p.matchRate).toFixed(1)}`);
  });
  if (current.length > 0) segments.push(current);

  const lines = segments.map((seg) =>
    seg.length === 1
      ? markup`<circle
          class="chart-dot"
          cx="${seg[0]?.split(',')[0]}"
          cy="${seg[0]?.split(',')[1]}"
          r="2.5"
        ></circle>`
      : markup`<polyline class="chart-line" points="${seg.join(' ')}"></polyline>`,
  );
  const grid = [0, 0.5, 1].map(
    (r) =>
      markup`<line
          class="chart-grid"
          x1="${PAD_LEFT}"
          x2="${WIDTH - PAD_RIGHT}"
          y1="${y(r).toFixed(1)}"
          y2="${y(r).toFixed(1)}"
        ></line
        ><text class="chart-axis" x="${PAD_LEFT - 4}" y="${(y(r) + 4).toFixed(1)}" text-anchor="end"
          >${Math.round(r * 100)}%</text
        >`,
  );
  const first = points[0];
  const last = points[n - 1];
  const axis =
    first !== undefined && last !== undefined
      ? markup`<text class="chart-axis" x="${PAD_LEFT}" y="${HEIGHT - 6}">${shortTime(first.at)}</text
          ><text class="chart-axis" x="${WIDTH - PAD_RIGHT}" y="${HEIGHT - 6}" text-anchor="end"
            >${shortTime(last.at)}</text
          >`
      : markup``;
  const empty =
    segments.length === 0
      ? markup`<text class="chart-axis" x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle"
          >no comparisons in this window</text
        >`
      : markup``;
  return markup`<svg
    class="chart"
    xmlns="http://www.w3.org/2000/svg"
    viewBox="0 0 ${WIDTH} ${HEIGHT}"
    width="${WIDTH}"
    height="${HEIGHT}"
    role="img"
    aria-label="${label}"
  >
    <title>${label}</title>
    ${grid}${lines}${axis}${empty}
  </svg>`;
}

function shortTime(at: Date): string {
  return at.toISOString().slice(0, 16).replace('T', ' ');
}
