import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { csvCell } from '../src/qa-reports/diff-report-export.ts';
import { startQaReportsFixture, type QaReportsFixture } from '../src/qa-reports/qa-reports-fixture.ts';
import { parseDiffReportArgs, runDiffReport } from './diff-report.ts';

let f: QaReportsFixture;
let dir: string;
const now = new Date();
const window = { from: new Date(now.getTime() - 3_600_000), to: new Date(now.getTime() + 60_000) };

beforeAll(async () => {
  f = await startQaReportsFixture();
  dir = await mkdtemp(path.join(tmpdir(), 'diff-report-'));
  await f.play([
    {
      routeId: 'athletes-get',
      request: { method: 'GET', path: '/api/athletes/a1' },
      legacy: { score: 7.5 },
      candidate: { score: 7.4 },
    },
    {
      routeId: 'squads-list',
      request: { method: 'GET', path: '/api/squads' },
      legacy: { name: 'x' },
      candidate: { name: 'y' },
    },
  ]);
  const [group] = await f.store.listGroups('athletes-get', { window });
  await f.store.markDefect(
    group?.id ?? '',
    '=HYPERLINK("http://evil.example","click") <script>alert(1)</script>',
    null,
    {
      name: '@Quinn, "QA"',
      role: 'qa',
    },
  );
  const [squads] = await f.store.listGroups('squads-list', { window });
  await f.store.acceptGroup(
    squads?.id ?? '',
    { reason: 'renamed on purpose', equivalence: 'exact' },
    { name: 'Quinn', role: 'qa' },
  );
});

afterAll(async () => {
  await f?.close();
  await rm(dir, { recursive: true, force: true });
});

const args = (format: 'json' | 'csv' | 'html') => ({
  routes: ['athletes-get', 'squads-list'],
  ...window,
  format,
  out: path.join(dir, `report.${format}`),
  databaseUrl: f.databaseUrl,
});

describe('diff-report export', () => {
  it('writes JSON with each route’s stats, groups and active rules', async () => {
    await runDiffReport(args('json'));
    const report = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8'));
    expect(report.routes.map((r: { routeId: string }) => r.routeId)).toEqual(['athletes-get', 'squads-list']);
    expect(report.routes[0].groups[0]).toMatchObject({ status: 'defect', paths: [{ path: '$.score' }] });
    expect(report.routes[1].rules[0]).toMatchObject({ reason: 'renamed on purpose', createdBy: 'Quinn' });
    expect(report.routes[0].stats).toMatchObject({ total: 1, mismatch: 1, matchRate: 0 });
  });

  it('writes RFC 4180 CSV that a spreadsheet cannot execute', async () => {
    await runDiffReport(args('csv'));
    const csv = await readFile(path.join(dir, 'report.csv'), 'utf8');
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'route_id,compared,match_rate,mismatch,accepted,sync_lag,open_groups,open_defects,eligible,effective_sample_rate,not_compared,' +
        'fingerprint,status,count,first_seen,last_seen,differing_paths,status_note,status_link,status_by',
    );
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil.example"",""click"") <script>alert(1)</script>"`);
    expect(lines[1]?.endsWith(`"'@Quinn, ""QA"""`)).toBe(true);
    // Its one mismatch was accepted: it agrees now, and no mismatch is left.
    expect(lines[2]?.startsWith('squads-list,1,1,0,1,')).toBe(true);
  });

  it('prefixes every formula trigger and leaves numbers alone', () => {
    expect(['=1', '+1', '-1', '@x', '\tx', '\rx'].map(csvCell)).toEqual([
      "'=1",
      "'+1",
      "'-1",
      "'@x",
      "'\tx",
      `"'\rx"`,
    ]);
    expect(csvCell(-1)).toBe('-1');
    expect(csvCell('a\nb')).toBe('"a\nb"');
  });

  it('writes one self-contained HTML file: inline CSS, no script, no external reference, data escaped', async () => {
    await runDiffReport(args('html'));
    const html = await readFile(path.join(dir, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toMatch(/<svg\s+class="chart"/);
  });

  it('reports every argument problem at once', () => {
    const noDemo = { DATA_DIR: '/nonexistent/strangler-data' };
    expect(() => parseDiffReportArgs(['--format', 'xml', '--from', 'yesterday'], noDemo, now)).toThrow(
      /--routes needs at least one route id\n--from must be an ISO 8601 date-time \(got "yesterday"\)\n--format must be one of json, csv, html \(got "xml"\)\nDATABASE_URL is not set and there is no demo database in \/nonexistent\/strangler-data\/postgres \(run npm start once\) \(or give --database-url\)/,
    );
    const parsed = parseDiffReportArgs(
      ['--routes', 'a, b', '--out', 'x.csv'],
      { DATABASE_URL: 'postgres://h/db' },
      now,
    );
    expect(parsed).toMatchObject({ routes: ['a', 'b'], format: 'csv', databaseUrl: 'postgres://h/db' });
    expect(parsed.to.getTime() - parsed.from.getTime()).toBe(24 * 3_600_000);
  });
});
