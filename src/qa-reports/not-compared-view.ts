import { markup, type SafeHtml } from './html.ts';
import { percent } from './layout-page.ts';
import type { RouteStats } from './report-store.ts';

/**
 * Why eligible requests were not compared, by reason (codes: SHADOW_REASONS in
 * src/shadow/store/shadow-store.ts), and the effective sample rate: on the route page, the overview
 * and the HTML export alike.
 */
export function notComparedList(stats: RouteStats | undefined): SafeHtml {
  if (stats === undefined || stats.notCompared.length === 0) return markup``;
  return markup`<p class="not-compared">
    Not compared:
    ${stats.notCompared.map(
      (n, i) =>
        markup`${i === 0 ? markup`` : markup`, `}<span data-outcome="${n.outcome}" data-reason="${n.reason}"
            >${n.count} ${n.outcome} (<code>${n.reason}</code>)</span
          >`,
    )}
  </p>`;
}

/** "compared of eligible (rate)": how much of the traffic the figures stand on. */
export function sampleRateText(stats: RouteStats | undefined): string {
  if (stats === undefined) return '–';
  return `${stats.compared} of ${stats.eligible} (${percent(stats.effectiveSampleRate)})`;
}

/**
 * Reads that differed only until the dual-write sync had carried a write across (outcome `sync-lag`):
 * compared and agreeing, so outside the mismatches, but shown with their count.
 */
export function syncLagNote(stats: RouteStats | undefined): SafeHtml {
  if (stats === undefined || stats.syncLag === 0) return markup``;
  return markup`<p class="sync-lag">
    <span data-outcome="sync-lag">${stats.syncLag} <code>sync-lag</code></span>: differed only until the
    sync had caught up
  </p>`;
}
