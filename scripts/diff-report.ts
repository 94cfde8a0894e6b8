/**
 * Exports the QA diff report for chosen routes and a time window:
 *
 *   npm run diff-report -- --routes athletes-get,squads-list --from 2026-11-20T00:00:00Z \
 *     --to 2026-11-21T00:00:00Z --format html --out report.html
 *
 * Reads DATABASE_URL (or --database-url; the running demo's when neither is given), the PostgreSQL
 * database the proxy stores shadow results in.
 * Defaults: the last 24 hours, JSON (or the format named by --out's extension), standard output.
 */
import { writeFile } from 'node:fs/promises';
import { openNewDatabase } from '../adapters/database.ts';
import {
  buildDiffReport,
  DIFF_REPORT_FORMATS,
  renderDiffReport,
  type DiffReportFormat,
} from '../src/qa-reports/diff-report-export.ts';
import { createPostgresReportStore } from '../src/qa-reports/postgres-report-store.ts';
import { parseCliOptions, parsedOrExit } from './cli-args.ts';
import { databaseUrlOrDemo } from './demo/demo-database-urls.ts';

export interface DiffReportArgs {
  readonly routes: readonly string[];
  readonly from: Date;
  readonly to: Date;
  readonly format: DiffReportFormat;
  readonly out: string | undefined;
  readonly databaseUrl: string;
  /** Said once on standard error when the URL is the running demo's. */
  readonly databaseNote?: string | undefined;
}

const USAGE = `usage: DATABASE_URL=… npm run diff-report -- --routes a,b [--from ISO] [--to ISO]
    [--format json|csv|html] [--out file] [--database-url url]
  --routes        route ids, comma-separated
  --from, --to    the time window, ISO 8601 (default: the last 24 hours)
  --format        json, csv or html (default: --out's extension, else json)
  --out           the file to write (default: standard output)
  --database-url  the proxy's PostgreSQL, where shadow results are stored (default DATABASE_URL, else
                  the running demo's database in DATA_DIR)`;

/** Every problem at once, like the configuration check. */
export function parseDiffReportArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  now: Date,
): DiffReportArgs {
  const values = parseCliOptions(
    argv,
    {
      routes: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      'database-url': { type: 'string' },
    },
    USAGE,
  );
  const problems: string[] = [];
  const routes = (values.routes ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  if (routes.length === 0) problems.push('--routes needs at least one route id');
  const date = (name: 'from' | 'to', fallback: Date): Date => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const d = new Date(raw);
    if (Number.isNaN(d.getTime())) problems.push(`--${name} must be an ISO 8601 date-time (got "${raw}")`);
    return d;
  };
  const to = date('to', now);
  const from = date('from', new Date(to.getTime() - 24 * 60 * 60 * 1000));
  if (!Number.isNaN(from.getTime()) && !Number.isNaN(to.getTime()) && from >= to) {
    problems.push('--from must be before --to');
  }
  const inferred = values.out?.split('.').pop()?.toLowerCase();
  const formatRaw =
    values.format ?? (DIFF_REPORT_FORMATS.includes(inferred as DiffReportFormat) ? inferred : 'json');
  if (!DIFF_REPORT_FORMATS.includes(formatRaw as DiffReportFormat)) {
    problems.push(`--format must be one of ${DIFF_REPORT_FORMATS.join(', ')} (got "${formatRaw}")`);
  }
  const given = values['database-url'];
  const database = given === undefined ? databaseUrlOrDemo(env, 'new') : { url: given, note: undefined };
  if ('problem' in database) problems.push(`${database.problem} (or give --database-url)`);
  if (problems.length > 0 || 'problem' in database) throw new Error(`${problems.join('\n')}\n${USAGE}`);
  const { url: databaseUrl, note: databaseNote } = database;
  return {
    routes,
    from,
    to,
    format: formatRaw as DiffReportFormat,
    out: values.out,
    databaseUrl,
    databaseNote,
  };
}

export async function runDiffReport(args: DiffReportArgs): Promise<string> {
  const db = openNewDatabase(args.databaseUrl);
  try {
    const report = await buildDiffReport(createPostgresReportStore(db), args.routes, {
      from: args.from,
      to: args.to,
    });
    const text = renderDiffReport(report, args.format);
    if (args.out !== undefined) await writeFile(args.out, text, 'utf8');
    return text;
  } finally {
    await db.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const args = parsedOrExit(USAGE, argv, () => parseDiffReportArgs(argv, process.env, new Date()));
  if (args.databaseNote !== undefined) console.error(args.databaseNote);
  try {
    const text = await runDiffReport(args);
    if (args.out === undefined) process.stdout.write(text);
    else console.error(`wrote ${args.format} report for ${args.routes.join(', ')} to ${args.out}`);
  } catch (error: unknown) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
