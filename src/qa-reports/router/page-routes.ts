import type { Router } from 'express';
import { groupPage } from '../group-page.ts';
import { NotFoundError } from '../not-found-error.ts';
import { overviewPage } from '../overview-page.ts';
import { buildOverview, buildRouteReport } from '../report-builder.ts';
import { routePage } from '../route-page.ts';
import { samplePage } from '../sample-page.ts';
import { parseWindow } from '../time-window.ts';
import { pageContextOf, type AuthedRequest } from './principal.ts';
import type { QaRouterContext } from './qa-router-context.ts';
import { parseStatus } from './request-input.ts';

/** The pages one drills down through: every route, one route, one diff group, one sample. */
export function mountPages(router: Router, ctx: QaRouterContext): void {
  router.get('/reports', async (req: AuthedRequest, res) => {
    const choice = parseWindow(req.query, ctx.now());
    const rows = await buildOverview(ctx.reportDeps, ctx.routes, choice.window);
    res.type('html').send(overviewPage(rows, choice, pageContextOf(req)));
  });

  router.get('/reports/routes/:routeId', async (req: AuthedRequest, res) => {
    const route = ctx.routeOr404(String(req.params.routeId));
    const choice = parseWindow(req.query, ctx.now());
    const status = parseStatus(req.query.status);
    const report = await buildRouteReport(ctx.reportDeps, route, choice.window, status);
    res.type('html').send(routePage({ ...report, status }, choice, pageContextOf(req)));
  });

  router.get('/reports/groups/:groupId', async (req: AuthedRequest, res) => {
    const group = await ctx.store.getGroup(String(req.params.groupId));
    if (group === undefined) throw new NotFoundError('diff group');
    const samples = await ctx.store.listSamples(group.id, 50);
    res.type('html').send(groupPage(group, samples, pageContextOf(req)));
  });

  router.get('/reports/samples/:sampleId', async (req: AuthedRequest, res) => {
    const sample = await ctx.store.getSample(String(req.params.sampleId));
    if (sample === undefined) throw new NotFoundError('sample');
    res.type('html').send(samplePage(sample, pageContextOf(req)));
  });
}
