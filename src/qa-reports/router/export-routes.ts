import type { Request, Response, Router } from 'express';
import { BadRequestError } from '../bad-request-error.ts';
import {
  buildDiffReport,
  DIFF_REPORT_FORMATS,
  renderDiffReport,
  type DiffReportFormat,
} from '../diff-report-export.ts';
import { parseWindow } from '../time-window.ts';
import type { QaRouterContext } from './qa-router-context.ts';

/** The sign-off export (same content as scripts/diff-report.ts), for the browser and for the API. */
export function mountExport(router: Router, ctx: QaRouterContext): void {
  const exportReport = (req: Request, res: Response) => sendExport(ctx, req, res);
  router.get('/reports/export', exportReport);
  router.get('/api/reports/export', exportReport);
}

async function sendExport(ctx: QaRouterContext, req: Request, res: Response): Promise<void> {
  const choice = parseWindow(req.query, ctx.now());
  const format = typeof req.query.format === 'string' ? req.query.format : 'html';
  if (!(DIFF_REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new BadRequestError([`format must be one of ${DIFF_REPORT_FORMATS.join(', ')}`]);
  }
  const wanted =
    typeof req.query.routes === 'string' && req.query.routes.trim() !== ''
      ? req.query.routes.split(',').map((r) => r.trim())
      : ctx.routes.map((r) => r.id);
  for (const routeId of wanted) ctx.routeOr404(routeId);
  const report = await buildDiffReport(ctx.store, wanted, choice.window, ctx.now());
  const stamp = choice.window.to.toISOString().slice(0, 16).replace(/[-:]/g, '');
  res
    .type(format === 'csv' ? 'text/csv; charset=utf-8' : format === 'json' ? 'application/json' : 'text/html')
    .attachment(`strangler-diff-report-${stamp}.${format}`)
    .send(renderDiffReport(report, format as DiffReportFormat));
}
