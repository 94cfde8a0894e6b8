import type { Router } from 'express';
import { NotFoundError } from '../not-found-error.ts';
import { buildOverview, buildRouteReport } from '../report-builder.ts';
import { parseWindow } from '../time-window.ts';
import type { QaRouterContext } from './qa-router-context.ts';
import { parseStatus } from './request-input.ts';

/** The JSON API's reads, the same data as the pages (openapi-document.ts describes them). */
export function mountApi(router: Router, ctx: QaRouterContext): void {
  router.get('/api/reports/routes', async (req, res) => {
    const choice = parseWindow(req.query, ctx.now());
    const rows = await buildOverview(ctx.reportDeps, ctx.routes, choice.window);
    res.json({ window: choice.window, routes: rows });
  });

  router.get('/api/reports/routes/:routeId', async (req, res) => {
    const route = ctx.routeOr404(String(req.params.routeId));
    const choice = parseWindow(req.query, ctx.now());
    const status = parseStatus(req.query.status);
    res.json({
      window: choice.window,
      ...(await buildRouteReport(ctx.reportDeps, route, choice.window, status)),
    });
  });

  router.get('/api/reports/routes/:routeId/rules', async (req, res) => {
    const route = ctx.routeOr404(String(req.params.routeId));
    res.json({
      rules: await ctx.store.activeRules(route.id),
      accepted: await ctx.store.loadAcceptedRules(route.id),
    });
  });

  router.get('/api/reports/groups/:groupId', async (req, res) => {
    const group = await ctx.store.getGroup(String(req.params.groupId));
    if (group === undefined) throw new NotFoundError('diff group');
    res.json({ group, samples: await ctx.store.listSamples(group.id, 50) });
  });

  router.get('/api/reports/samples/:sampleId', async (req, res) => {
    const sample = await ctx.store.getSample(String(req.params.sampleId));
    if (sample === undefined) throw new NotFoundError('sample');
    res.json({ sample });
  });
}
