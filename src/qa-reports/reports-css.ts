/** Served as /reports/static/reports.css and inlined into exported HTML reports (which must stand alone). */
export const REPORTS_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d232a; background: #fafbfc; }
main { padding: 1rem 2rem; }
nav.top { background: #24303c; color: #fff; padding: .5rem 2rem; display: flex; gap: 1rem; align-items: center; }
nav.top a { color: #fff; }
nav.top .who { margin-left: auto; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
table { border-collapse: collapse; margin: .5rem 0; background: #fff; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #eef1f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.status-open { color: #9a6700; } .status-accepted { color: #1a7f37; } .status-defect { color: #cf222e; }
.bad { color: #cf222e; font-weight: 600; } .good { color: #1a7f37; }
form.inline { display: inline; }
form.stack { display: grid; gap: .4rem; max-width: 28rem; margin: .5rem 0; }
.filters { display: flex; gap: .6rem; align-items: end; }
.side-by-side { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1rem; }
pre.json, pre.raw { background: #fff; border: 1px solid #d0d7de; padding: .6rem; overflow: auto; max-height: 40rem; white-space: pre-wrap; word-break: break-word; }
.mark-diff { background: #ffebe9; outline: 1px solid #cf222e; }
.mark-noise { background: #eef1f4; color: #57606a; text-decoration: line-through dotted; }
.json-key { color: #0550ae; } .json-string { color: #0a3069; } .json-null { color: #6e7781; }
.chart { background: #fff; border: 1px solid #d0d7de; }
.chart-line { fill: none; stroke: #0969da; stroke-width: 2; }
.chart-dot { fill: #0969da; }
.chart-grid { stroke: #d0d7de; stroke-width: 1; }
.chart-axis { font-size: 10px; fill: #57606a; }
.error { background: #ffebe9; border: 1px solid #cf222e; padding: .5rem; }
.muted { color: #57606a; }
code { background: #eef1f4; padding: 0 .2rem; }
`;
