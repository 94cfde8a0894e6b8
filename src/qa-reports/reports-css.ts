/**
 * Served as /reports/static/reports.css and inlined into exported HTML reports (which must stand alone).
 * One small design: a type scale, a spacing scale, and one colour per verdict (match, mismatch, open,
 * defect, accepted), each dark enough on its tint for WCAG AA contrast. Below 900 px the page narrows
 * to one column for a laptop's split screen; wide tables scroll in their own box.
 */
export const REPORTS_CSS = `
:root {
  --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --paper: #ffffff; --page: #f6f8fa; --head: #eef1f4;
  --accent: #0757ba; --accent-ink: #ffffff; --focus: #0757ba;
  --match: #116329; --match-bg: #dafbe1; --mismatch: #a40e26; --mismatch-bg: #ffebe9;
  --open: #7d4e00; --open-bg: #fff8c5; --defect: #8a1a5b; --defect-bg: #ffeff7;
  --accepted: #116329; --accepted-bg: #dafbe1; --noise: #59636e; --noise-bg: #eef1f4;
  --s1: .25rem; --s2: .5rem; --s3: .75rem; --s4: 1rem; --s5: 1.5rem; --s6: 2rem;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: var(--ink); background: var(--page); }
main { padding: var(--s5) var(--s6); max-width: 110rem; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 var(--s4); }
h2 { font-size: 1.15rem; margin: var(--s6) 0 var(--s3); padding-bottom: var(--s1); border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: var(--s4) 0 var(--s2); }
p { margin: var(--s2) 0; }
a { color: var(--accent); text-underline-offset: 2px; }
code, pre, .mono { font-family: var(--mono); font-size: .875em; }
code { background: var(--head); padding: 0 var(--s1); border-radius: 3px; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.nowrap { white-space: nowrap; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }

header.top { background: #1f2a36; color: #fff; padding: var(--s2) var(--s6); display: flex; flex-wrap: wrap; gap: var(--s2) var(--s5); align-items: center; }
header.top a { color: #fff; font-weight: 600; text-decoration: none; margin-right: var(--s4); }
header.top a:hover { text-decoration: underline; }
header.top .brand { font-weight: 700; letter-spacing: .02em; }
header.top .who { margin-left: auto; }
header.top button.quiet { background: transparent; color: #fff; border-color: #8c959f; }

:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
header.top :focus-visible { outline-color: #fff; }

button { font: inherit; font-weight: 600; padding: var(--s1) var(--s3); border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-ink); cursor: pointer; }
button:hover { filter: brightness(1.1); }
button.accept { background: var(--match); border-color: var(--match); }
button.defect, button.danger { background: var(--mismatch); border-color: var(--mismatch); }
input, select, textarea { font: inherit; color: inherit; padding: var(--s1) var(--s2); border: 1px solid #8c959f; border-radius: 6px; background: var(--paper); max-width: 100%; }
textarea { min-height: 4.5rem; resize: vertical; }
label { font-weight: 600; }
form.inline { display: inline-flex; gap: var(--s2); align-items: center; flex-wrap: wrap; }
form.stack { display: grid; gap: var(--s2); align-content: start; }
form.stack label { margin-top: var(--s1); display: grid; gap: var(--s1); }
form.stack button { justify-self: start; margin-top: var(--s2); }
#login-form { max-width: 28rem; background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: var(--s4); }
.filters { display: flex; flex-wrap: wrap; gap: var(--s3); align-items: end; margin: var(--s3) 0; }
.filters label { display: grid; gap: var(--s1); }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: var(--s4); }
.card h3 { margin-top: 0; }
.readiness { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: var(--s4); margin-block: var(--s4); }
.verdict { border-left: 6px solid var(--line); border-radius: 6px; padding: var(--s2) var(--s3); }
.verdict.ready { background: var(--match-bg); color: var(--match); border-left-color: var(--match); }
.verdict.not-ready { background: var(--mismatch-bg); color: var(--mismatch); border-left-color: var(--mismatch); }
.decisions { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: var(--s4); align-items: start; }

.flash { background: var(--match-bg); color: var(--match); border: 1px solid var(--match); border-left-width: 6px; border-radius: 6px; padding: var(--s2) var(--s3); font-weight: 600; }
.error { background: var(--mismatch-bg); color: var(--mismatch); border: 1px solid var(--mismatch); border-left-width: 6px; border-radius: 6px; padding: var(--s2) var(--s3); }
.error code { color: var(--ink); }

table { border-collapse: collapse; margin: var(--s2) 0; background: var(--paper); }
th, td { border-bottom: 1px solid var(--line); padding: var(--s2) var(--s3); text-align: left; vertical-align: top; }
thead th { background: var(--head); font-size: .85rem; border-bottom: 2px solid var(--line); }
tbody tr:hover { background: #f6f8fa; }
table.routes td:first-child, table.routes code { white-space: nowrap; overflow-wrap: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.facts th { background: transparent; font-weight: 600; color: var(--muted); padding-left: 0; }
.table-scroll { overflow-x: auto; max-width: 100%; border: 1px solid var(--line); border-radius: 8px; background: var(--paper); margin: var(--s2) 0; }
.table-scroll > table { margin: 0; width: 100%; }
ul.paths { margin: 0; padding-left: var(--s4); }

.status-open { color: var(--open); font-weight: 600; }
.status-accepted { color: var(--accepted); font-weight: 600; }
.status-defect { color: var(--defect); font-weight: 600; }
td.group-status { font-weight: 700; }
.bad { color: var(--mismatch); font-weight: 700; }
.good { color: var(--match); font-weight: 700; }
.not-compared { color: var(--muted); font-size: .85rem; white-space: normal; text-align: left; }

ul.samples { list-style: none; padding: 0; display: grid; gap: var(--s3); }
ul.samples > li { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: var(--s3); }
table.sample-diffs { width: 100%; table-layout: fixed; margin-top: var(--s2); font-size: .875rem; }
table.sample-diffs th, table.sample-diffs td { padding: 2px var(--s2); }
table.sample-diffs td { overflow-wrap: anywhere; }
td.legacy code, td.new code { background: transparent; padding: 0; }
table.sample-diffs td.legacy, table.diffs td:nth-child(3) { background: var(--mismatch-bg); }
table.sample-diffs td.new, table.diffs td:nth-child(4) { background: var(--match-bg); }

.side-by-side { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: var(--s4); }
.side-by-side > section { min-width: 0; }
table.headers { width: 100%; table-layout: fixed; font-size: .85rem; }
table.headers th { width: 40%; overflow-wrap: anywhere; }
table.headers td { overflow-wrap: anywhere; }
pre.json, pre.raw { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: var(--s3); overflow: auto; max-height: 40rem; white-space: pre-wrap; word-break: break-word; }

table.json-diff { width: 100%; table-layout: fixed; font-family: var(--mono); font-size: .8rem; line-height: 1.45; border: 1px solid var(--line); }
table.json-diff th { font-family: system-ui, sans-serif; }
table.json-diff td { padding: 0 var(--s2); border: 0; white-space: pre-wrap; word-break: break-word; }
table.json-diff th.ln, table.json-diff td.ln { width: 3rem; text-align: right; color: var(--muted); background: var(--head); user-select: none; }
table.json-diff td.legacy { border-right: 1px solid var(--line); }
table.json-diff tr.line-changed td.legacy, table.json-diff tr.line-removed td.legacy { background: var(--mismatch-bg); }
table.json-diff tr.line-changed td.new, table.json-diff tr.line-added td.new { background: var(--match-bg); }
table.json-diff tr.line-added td.legacy, table.json-diff tr.line-removed td.new { background: repeating-linear-gradient(135deg, var(--page), var(--page) 4px, var(--head) 4px, var(--head) 8px); }
table.json-diff tr.line-noise td.legacy, table.json-diff tr.line-noise td.new { background: var(--noise-bg); }
tbody tr.line-same:hover { background: inherit; }

.mark-diff { background: #ffcecb; color: #5c0011; outline: 1px solid var(--mismatch); border-radius: 2px; }
tr.mark-diff th, tr.mark-diff td { background: var(--mismatch-bg); }
.within-diff { background: #ffebe9; }
.mark-noise, .within-noise { background: var(--noise-bg); color: var(--noise); text-decoration: line-through dotted; }
.json-key { color: #0550ae; } .json-string { color: #0a3069; } .json-null { color: var(--muted); }
.mark-diff .json-key, .mark-diff .json-string { color: inherit; }

.chart { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; }
svg.chart:not(.sparkline) { width: 100%; max-width: 640px; height: auto; display: block; margin: var(--s3) 0; }
svg.sparkline { border-radius: 4px; }
.chart-line { fill: none; stroke: var(--accent); stroke-width: 2; stroke-linejoin: round; }
.chart-dot { fill: var(--accent); }
.chart-grid { stroke: var(--line); stroke-width: 1; }
.chart-axis { font-size: 10px; fill: var(--muted); }

@media (max-width: 900px) {
  main { padding: var(--s4); }
  header.top { padding: var(--s2) var(--s4); }
  header.top .who { margin-left: 0; }
  .side-by-side, .decisions { grid-template-columns: 1fr; }
  table.json-diff th.ln, table.json-diff td.ln { width: 2.2rem; }
}
@media print {
  header.top, form, .filters { display: none; }
  .table-scroll { overflow: visible; border: 0; }
}
`;
