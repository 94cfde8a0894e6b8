import { markup, type SafeHtml } from './html.ts';
import { dataTable, millis, percent } from './layout-page.ts';
import type { ReadinessVerdict } from './readiness-verdict.ts';

/** The route page's readiness section: the verdict, each reason against it, and the evidence beside what is required. */
export function readinessSection(verdict: ReadinessVerdict): SafeHtml {
  return markup`<section class="readiness" aria-labelledby="readiness-heading">
    <h2 id="readiness-heading">Readiness</h2>
    ${headline(verdict)}
    ${
      verdict.ready || verdict.nextMode === null
        ? markup``
        : markup`<ul class="readiness-reasons">
            ${verdict.reasons.map((r) => markup`<li>${r}</li>`)}
          </ul>`
    }
    ${evidenceTable(verdict)}
  </section>`;
}

function headline(v: ReadinessVerdict): SafeHtml {
  if (v.nextMode === null) {
    return markup`<p class="verdict">Mode <strong>${v.mode}</strong> is the last: the route already serves the new handler.</p>`;
  }
  const state = v.ready ? 'ready' : 'not-ready';
  const words = v.ready ? `Ready for ${v.nextMode}` : `Not ready for ${v.nextMode}`;
  const why =
    v.mode === 'legacy'
      ? ' (shadow mode serves legacy and only adds comparisons)'
      : ` (from ${v.mode}, on the evidence of this window)`;
  return markup`<p class="verdict ${state}" data-next-mode="${v.nextMode}"><strong>${words}</strong>${why}</p>`;
}

function evidenceTable(v: ReadinessVerdict): SafeHtml {
  const { evidence: e, thresholds: t } = v;
  const rows: readonly (readonly [string, string, string])[] = [
    [
      'Comparisons',
      `${e.compared} (effective sample rate ${percent(e.effectiveSampleRate)})`,
      `at least ${t.minComparisons}`,
    ],
    [
      'Unexplained mismatches',
      `${e.unexplainedMismatches} (${percent(e.compared === 0 ? null : e.unexplainedMismatches / e.compared)})`,
      t.maxMismatchRate === 0 ? 'none' : `at most ${percent(t.maxMismatchRate)}`,
    ],
    ['Open defects', String(e.openDefects), `at most ${t.maxOpenDefects}`],
    [
      'Error rate (5xx and failures)',
      `legacy ${percent(e.legacy.errorRate)}, new ${percent(e.new.errorRate)}`,
      `new at most ${percent(t.maxErrorRate)} or legacy's`,
    ],
    [
      'p99 latency',
      `legacy ${millis(e.legacy.p99Ms)}, new ${millis(e.new.p99Ms)}`,
      `new at most ${t.maxP99Ratio}× legacy's`,
    ],
  ];
  return dataTable('readiness-evidence', ['Evidence', 'In this window', 'Required'], rows, (row) => row);
}
