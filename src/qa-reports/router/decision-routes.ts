import type { RequestHandler, Router } from 'express';
import { NotFoundError } from '../not-found-error.ts';
import { actorOf, type AuthedRequest } from './principal.ts';
import type { QaRouterContext } from './qa-router-context.ts';
import { bodyOf, optionalLink, requiredText } from './request-input.ts';

/*
 * QA's decisions on a diff group (accept, mark defect) and the operator's (revoke a rule, delete a
 * group): the pages' forms answer with a redirect, the API with the changed record. Accepting and
 * revoking tell onRulesChanged, so this replica's comparison applies the change at once.
 */
export function mountDecisions(router: Router, ctx: QaRouterContext, operatorOnly: RequestHandler): void {
  mountDecisionForms(router, ctx, operatorOnly);
  mountDecisionApi(router, ctx, operatorOnly);
}

function mountDecisionForms(router: Router, ctx: QaRouterContext, operatorOnly: RequestHandler): void {
  router.post('/reports/groups/:groupId/accept', async (req: AuthedRequest, res) => {
    const groupId = String(req.params.groupId);
    const rule = await ctx.store.acceptGroup(groupId, requiredText(bodyOf(req), 'reason'), actorOf(req));
    await ctx.onRulesChanged();
    res.redirect(303, `/reports/routes/${encodeURIComponent(rule.routeId)}`);
  });

  router.post('/reports/groups/:groupId/defect', async (req: AuthedRequest, res) => {
    const body = bodyOf(req);
    const group = await ctx.store.markDefect(
      String(req.params.groupId),
      requiredText(body, 'note'),
      optionalLink(body),
      actorOf(req),
    );
    res.redirect(303, `/reports/groups/${encodeURIComponent(group.id)}`);
  });

  router.post('/reports/groups/:groupId/delete', operatorOnly, async (req: AuthedRequest, res) => {
    const group = await ctx.store.getGroup(String(req.params.groupId));
    if (group === undefined) throw new NotFoundError('diff group');
    await ctx.store.deleteGroup(group.id, requiredText(bodyOf(req), 'reason'), actorOf(req));
    res.redirect(303, `/reports/routes/${encodeURIComponent(group.routeId)}`);
  });

  router.post('/reports/rules/:ruleId/revoke', operatorOnly, async (req: AuthedRequest, res) => {
    const rule = await ctx.store.revokeRule(
      String(req.params.ruleId),
      requiredText(bodyOf(req), 'reason'),
      actorOf(req),
    );
    await ctx.onRulesChanged();
    res.redirect(303, `/reports/routes/${encodeURIComponent(rule.routeId)}`);
  });
}

function mountDecisionApi(router: Router, ctx: QaRouterContext, operatorOnly: RequestHandler): void {
  router.delete('/api/reports/groups/:groupId', operatorOnly, async (req: AuthedRequest, res) => {
    await ctx.store.deleteGroup(
      String(req.params.groupId),
      requiredText(bodyOf(req), 'reason'),
      actorOf(req),
    );
    res.status(204).end();
  });

  router.post('/api/reports/groups/:groupId/accept', async (req: AuthedRequest, res) => {
    const rule = await ctx.store.acceptGroup(
      String(req.params.groupId),
      requiredText(bodyOf(req), 'reason'),
      actorOf(req),
    );
    await ctx.onRulesChanged();
    res.status(201).json({ rule });
  });

  router.post('/api/reports/groups/:groupId/defect', async (req: AuthedRequest, res) => {
    const body = bodyOf(req);
    const group = await ctx.store.markDefect(
      String(req.params.groupId),
      requiredText(body, 'note'),
      optionalLink(body),
      actorOf(req),
    );
    res.json({ group });
  });

  router.post('/api/reports/rules/:ruleId/revoke', operatorOnly, async (req: AuthedRequest, res) => {
    const rule = await ctx.store.revokeRule(
      String(req.params.ruleId),
      requiredText(bodyOf(req), 'reason'),
      actorOf(req),
    );
    await ctx.onRulesChanged();
    res.json({ rule });
  });
}
