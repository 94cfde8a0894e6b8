import type { Router } from 'express';
import { auditPage } from '../audit-page.ts';
import { BadRequestError } from '../bad-request-error.ts';
import { pageContextOf, type AuthedRequest } from './principal.ts';
import type { QaRouterContext } from './qa-router-context.ts';

/** Every change, newest first: the page shows the last 200, the API filters by route and limit. */
export function mountAudit(router: Router, ctx: QaRouterContext): void {
  router.get('/reports/audit', async (req: AuthedRequest, res) => {
    const entries = await ctx.store.auditLog({ limit: 200 });
    res.type('html').send(auditPage(entries, pageContextOf(req)));
  });

  router.get('/api/reports/audit', async (req, res) => {
    const routeId =
      typeof req.query.routeId === 'string' && req.query.routeId !== '' ? req.query.routeId : undefined;
    const limitRaw = Number(req.query.limit ?? 100);
    if (!Number.isInteger(limitRaw) || limitRaw < 1 || limitRaw > 1000) {
      throw new BadRequestError(['limit must be an integer between 1 and 1000']);
    }
    res.json({ entries: await ctx.store.auditLog({ routeId, limit: limitRaw }) });
  });
}
